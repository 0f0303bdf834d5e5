import { Duplex } from 'node:stream';
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
  const output = workbook.output;
  // A Duplex of its own rather than Duplex.from({ writable, readable }): that wrapper adds a writable buffer
  // of 16 batches in front of ours, and batches held that long are promoted to the old generation. Measured
  // on 1M rows: 19 batches (78k rows) live, and peak RSS growing with the row count until the first full GC.
  const duplex = new Duplex({
    writableObjectMode: true,
    writableHighWaterMark: 1,
    write(batch: RowBatch, _enc, callback) {
      sheet.write(batch).then(() => callback(), callback);
    },
    final(callback) {
      sheet
        .end()
        .then(() => workbook.finish())
        .then(() => callback(), callback);
    },
    read() {
      output.resume();
    },
    destroy(err, callback) {
      output.destroy();
      callback(err);
    },
  });
  output.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) output.pause();
  });
  output.on('end', () => duplex.push(null));
  output.on('error', (err) => duplex.destroy(err));
  return duplex;
}

export const xlsxEncoder: EncoderSpec = {
  format: 'xlsx',
  contentType: XLSX_CONTENT_TYPE,
  extension: 'xlsx',
  create: createXlsxTransform,
};
