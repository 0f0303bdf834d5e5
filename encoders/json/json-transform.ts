import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createJsonRowsEncoder } from '../ndjson/encode-json-row.ts';
import { DOCUMENT_TAIL, encodeDocumentHead, FIRST_ROW_PREFIX, NEXT_ROW_PREFIX } from './encode-document.ts';

function createJsonTransform(columns: Column[], _options: EncoderOptions): Transform {
  const encodeRows = createJsonRowsEncoder(columns);
  let pendingHead = encodeDocumentHead(columns);
  let first = true;
  return new Transform({
    writableObjectMode: true,
    // Few row batches wait here (the default is 16): they are large, and each one queued is old-generation heap.
    writableHighWaterMark: 2,
    transform(batch: RowBatch, _enc, callback) {
      const out: Buffer[] = [];
      try {
        if (first && batch.length > 0) {
          // The first row's prefix differs; every later row's is the same, so the rest go in one call.
          out.push(Buffer.from(pendingHead, 'utf8'));
          out.push(encodeRows(batch.slice(0, 1), FIRST_ROW_PREFIX, ''));
          out.push(encodeRows(batch.slice(1), NEXT_ROW_PREFIX, ''));
          pendingHead = '';
          first = false;
        } else {
          out.push(encodeRows(batch, NEXT_ROW_PREFIX, ''));
        }
      } catch (err) {
        callback(err as Error);
        return;
      }
      for (const chunk of out) if (chunk.length > 0) this.push(chunk);
      callback();
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
