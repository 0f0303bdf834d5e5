import { Duplex, Writable } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createWorkbookWriter, XLSX_CONTENT_TYPE } from './workbook-writer.ts';

/**
 * Raw rows (a table or sql export) into one sheet named `data`, frozen header, formats from the column
 * types; past 1,048,576 rows the rows go on in `data (2)`, `data (3)`… Row batches in, .xlsx bytes out; the
 * writable side waits while the zip side is unread, so memory stays flat whatever the row count.
 */
function createXlsxTransform(
  columns: Column[],
  options: EncoderOptions & { maxRowsPerSheet?: number },
): Duplex {
  const workbook = createWorkbookWriter(
    options.maxRowsPerSheet ? { maxRowsPerSheet: options.maxRowsPerSheet } : {},
  );
  const sheet = workbook.addSheet('data', columns);
  const writable = new Writable({
    objectMode: true,
    write(batch: RowBatch, _enc, callback) {
      sheet.write(batch).then(() => callback(), callback);
    },
    final(callback) {
      sheet
        .end()
        .then(() => workbook.finish())
        .then(() => callback(), callback);
    },
  });
  return Duplex.from({ writable, readable: workbook.output });
}

export const xlsxEncoder: EncoderSpec = {
  format: 'xlsx',
  contentType: XLSX_CONTENT_TYPE,
  extension: 'xlsx',
  create: createXlsxTransform,
};
