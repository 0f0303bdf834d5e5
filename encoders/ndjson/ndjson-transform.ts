import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createJsonRowEncoder } from './encode-json-row.ts';

/** One JSON object per line, each ending in `\n` (the last one too); an empty result is an empty file. */
function createNdjsonTransform(columns: Column[], _options: EncoderOptions): Transform {
  const encodeRow = createJsonRowEncoder(columns);
  return new Transform({
    writableObjectMode: true,
    // One batch waiting, not Node's default 16: each holds thousands of rows, and what waits here is heap.
    writableHighWaterMark: 1,
    // One string per batch, as for CSV: few chunks, each bounded by the batch size.
    transform(batch: RowBatch, _enc, callback) {
      let text = '';
      try {
        for (const row of batch) text += encodeRow(row) + '\n';
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, text ? Buffer.from(text, 'utf8') : undefined);
    },
  });
}

export const ndjsonEncoder: EncoderSpec = {
  format: 'ndjson',
  contentType: 'application/x-ndjson',
  extension: 'ndjson',
  create: createNdjsonTransform,
};
