import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createJsonRowsEncoder } from './encode-json-row.ts';

/** One JSON object per line, each ending in `\n` (the last one too); an empty result is an empty file. */
function createNdjsonTransform(columns: Column[], _options: EncoderOptions): Transform {
  const encodeRows = createJsonRowsEncoder(columns);
  return new Transform({
    writableObjectMode: true,
    // Few row batches wait here (the default is 16): they are large, and each one queued is old-generation heap.
    writableHighWaterMark: 2,
    // One buffer per batch, as for CSV: few chunks, each bounded by the batch size.
    transform(batch: RowBatch, _enc, callback) {
      let bytes: Buffer;
      try {
        bytes = encodeRows(batch, '', '\n');
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, bytes.length > 0 ? bytes : undefined);
    },
  });
}

export const ndjsonEncoder: EncoderSpec = {
  format: 'ndjson',
  contentType: 'application/x-ndjson',
  extension: 'ndjson',
  create: createNdjsonTransform,
};
