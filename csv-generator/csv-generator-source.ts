import type { CompiledQuery, RowBatch, Source, StreamOptions } from '../dialects/source.ts';
import type { MetricPlan } from '../metrics/plan.ts';
import { compileForSource, streamMetricPlan } from '../metrics/run-plan.ts';
import type { Column } from '../schemas/column.ts';
import type { CsvLayout } from './bind-columns.ts';
import { combinedCsvRows } from './generate-csv.ts';

const BATCH_ROWS = 1024;

/**
 * The CSV generator seen as a Source: its rows are the joined, sorted table of text columns the generator
 * computes from its metric queries on `source`, so the export pipeline writes it like any query (encoder,
 * the S3 writer, progress, abort). The query argument is ignored — the plans are the query.
 */
export function csvGeneratorAsSource(source: Source, layout: CsvLayout, plans: MetricPlan[]): Source {
  const columns: Column[] = layout.columns.map((c) => ({ name: c.heading, type: 'string', nullable: true }));
  // Every statement that runs, for logs and the job's record; they are the generator's, not one query.
  const compiled = (): CompiledQuery => {
    const each = plans.map((p) => compileForSource(p, source));
    return { sql: each.map((c) => c.sql).join(';\n'), params: each.flatMap((c) => c.params) };
  };
  return {
    dialect: source.dialect,
    compile: async () => compiled(),
    describe: async () => columns,
    async stream(_query, options: StreamOptions = {}) {
      const rows = combinedCsvRows(layout, plans, (plan) => streamMetricPlan(source, plan, options));
      async function* batches(): AsyncGenerator<RowBatch> {
        let batch: RowBatch = [];
        for await (const row of rows) {
          batch.push(row);
          if (batch.length >= BATCH_ROWS) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      }
      return { columns, compiled: compiled(), batches: batches() };
    },
    close: async () => {},
  };
}
