import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createRowEncoder, encodeHeader } from './encode-row.ts';

function createCsvTransform(
  columns: Column[],
  { header = true, delimiter = ',', lineEnding = 'crlf' }: EncoderOptions,
): Transform {
  // The delimiter was checked when the export was planned (one character, not a quote or line break).
  const encodeRow = createRowEncoder(columns, { delimiter, lineEnding });
  let pendingHeader = header ? encodeHeader(columns, { delimiter, lineEnding }) : '';
  return new Transform({
    writableObjectMode: true,
    // Few row batches wait here (the default is 16): they are large, and each one queued is old-generation heap.
    writableHighWaterMark: 2,
    // One string per batch: far fewer chunks than per row, and still bounded by the batch size.
    transform(batch: RowBatch, _enc, callback) {
      let text = pendingHeader;
      pendingHeader = '';
      for (const row of batch) text += encodeRow(row);
      callback(null, Buffer.from(text, 'utf8'));
    },
    flush(callback) {
      // A header-only file for an empty result still tells the reader the columns.
      callback(null, pendingHeader ? Buffer.from(pendingHeader, 'utf8') : null);
    },
  });
}

export const csvEncoder: EncoderSpec = {
  format: 'csv',
  contentType: 'text/csv; charset=utf-8',
  extension: 'csv',
  create: createCsvTransform,
};
