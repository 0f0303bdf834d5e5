import type { Row, RowBatch, Source, StreamOptions } from '../dialects/source.ts';
import type { Column } from '../schemas/column.ts';
import type { MetricPlan } from './plan.ts';
import { planColumns } from './plan.ts';
import { compileForSource, streamMetricPlan } from './run-plan.ts';
import { formatScaled } from './scaled.ts';

/** Digits a measure may need: sums of 64-bit integers. */
const MEASURE_PRECISION = 38;

/** The result's columns with their logical types: measures with a scale are exact decimals. */
export function metricColumns(plan: MetricPlan): Column[] {
  const names = planColumns(plan);
  const keys = 1 + plan.groupBy.length;
  return names.map((name, i) => {
    if (i < keys) return { name, type: 'string', nullable: i > 0 };
    const { scale } = plan.measures[i - keys]!;
    return scale > 0
      ? { name, type: 'decimal', precision: MEASURE_PRECISION, scale, nullable: true }
      : { name, type: 'int64', nullable: true };
  });
}

/**
 * A metric plan seen as a Source, so the export pipeline (every encoder, split files, the S3 sink) runs it
 * like any query: `compile` gives the SQL that really runs (what the `sql` format writes), and measures held
 * as integers of 10^-scale units come out as exact decimals ("1234.50") rather than integers of cents. The
 * query argument is ignored — the plan is the query — and closing leaves the underlying source open, since
 * the source registry owns it. Not offering `streamCsv` keeps exports on the decode path, where the
 * conversion happens.
 */
export function planAsSource(
  source: Source,
  plan: MetricPlan,
  { sqlDialect, ...defaults }: { timeoutMs?: number; sqlDialect?: string } = {},
): Source {
  const columns = metricColumns(plan);
  const keys = 1 + plan.groupBy.length;
  const scales = plan.measures.map((m) => m.scale);
  const convert = (row: Row): Row =>
    row.map((value, i) => {
      if (i < keys || value === null || value === undefined) return value ?? null;
      const units = typeof value === 'bigint' ? value : BigInt(value as number | string);
      return scales[i - keys]! > 0 ? formatScaled(units, scales[i - keys]!) : units;
    });
  return {
    // `sqlDialect` changes only what compile() shows (the sql format); rows always come from the source.
    dialect: sqlDialect ?? source.dialect,
    compile: async () => compileForSource(plan, source, sqlDialect),
    describe: async () => columns,
    async stream(_query, options: StreamOptions = {}) {
      const rows = await streamMetricPlan(source, plan, { ...defaults, ...options });
      async function* batches(): AsyncGenerator<RowBatch> {
        for await (const batch of rows.batches) yield batch.map(convert);
      }
      return { columns, compiled: rows.compiled, batches: batches() };
    },
    close: async () => {},
  };
}
