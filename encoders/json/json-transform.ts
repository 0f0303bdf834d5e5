import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createJsonRowEncoder } from '../ndjson/encode-json-row.ts';
import { DOCUMENT_TAIL, encodeDocumentHead, FIRST_ROW_PREFIX, NEXT_ROW_PREFIX } from './encode-document.ts';

function createJsonTransform(columns: Column[], _options: EncoderOptions): Transform {
  const encodeRow = createJsonRowEncoder(columns);
  let pendingHead = encodeDocumentHead(columns);
  let prefix = FIRST_ROW_PREFIX;
  return new Transform({
    writableObjectMode: true,
    // One batch waiting, not Node's default 16: each holds thousands of rows, and what waits here is heap.
    writableHighWaterMark: 1,
    transform(batch: RowBatch, _enc, callback) {
      let text = pendingHead;
      try {
        for (const row of batch) {
          text += prefix + encodeRow(row);
          prefix = NEXT_ROW_PREFIX;
        }
      } catch (err) {
        callback(err as Error);
        return;
      }
      pendingHead = '';
      callback(null, text ? Buffer.from(text, 'utf8') : undefined);
    },
    flush(callback) {
      // An empty result is still one valid document with its schema and `"rows":[]`.
      callback(null, Buffer.from(pendingHead + DOCUMENT_TAIL, 'utf8'));
    },
  });
}

export const jsonEncoder: EncoderSpec = {
  format: 'json',
  contentType: 'application/json',
  extension: 'json',
  create: createJsonTransform,
};
