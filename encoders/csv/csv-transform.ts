import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createRowEncoder, encodeHeader } from './encode-row.ts';
import { invalidFields } from '../../schemas/parse-contract.ts';

function createCsvTransform(
  columns: Column[],
  { header = true, delimiter = ',' }: EncoderOptions,
): Transform {
  if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    throw invalidFields([
      { field: 'options.delimiter', rule: 'must be one character other than a quote or newline' },
    ]);
  }
  const encodeRow = createRowEncoder(columns, { delimiter });
  let pendingHeader = header ? encodeHeader(columns, { delimiter }) : '';
  return new Transform({
    writableObjectMode: true,
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
