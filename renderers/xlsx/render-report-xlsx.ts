import type { Readable } from 'node:stream';
import type { RowBatch } from '../../core/rows.ts';
import { createWorkbookWriter, type WorkbookOptions } from '../../encoders/xlsx/workbook-writer.ts';
import type { Column } from '../../schemas/column.ts';

/** One visual's rows, opened only when its sheet's turn comes, so one query runs at a time. */
export interface VisualRowsSource {
  title: string;
  open(): Promise<{ columns: Column[]; batches: AsyncIterable<RowBatch> }>;
}

export interface ReportWorkbook {
  output: Readable;
  /** Resolves with the rows written once every sheet is written, or rejects with the first failure. */
  done: Promise<{ rows: number }>;
}

/**
 * A report as a finance workbook: one sheet per visual named after it (Excel's 31 characters, made unique),
 * every row of the visual's query (no rendering limit: a workbook is where the full data goes), a frozen
 * header, number and date formats from the column types and a `Total` row of `=SUM(…)` formulas under every
 * numeric column. Streamed: a sheet's rows pass through as they arrive.
 */
export function renderReportXlsx(visuals: VisualRowsSource[], options: WorkbookOptions = {}): ReportWorkbook {
  const workbook = createWorkbookWriter(options);
  const done = (async () => {
    let rows = 0;
    for (const visual of visuals) {
      const { columns, batches } = await visual.open();
      const sheet = workbook.addSheet(visual.title, columns, { totals: true });
      for await (const batch of batches) {
        rows += batch.length;
        await sheet.write(batch);
      }
      await sheet.end();
    }
    await workbook.finish();
    return { rows };
  })();
  done.catch((err: unknown) => workbook.output.destroy(err as Error));
  return { output: workbook.output, done };
}
