import type { CompiledQuery, RowStream, Source } from '../dialects/source.ts';
import { compileMetricPlan } from './compile-plan.ts';
import { metricDialect } from '../dialects/metric-dialects.ts';
import type { MetricPlan } from './plan.ts';

export interface RunPlanOptions {
  signal?: AbortSignal;
  /** The report's query timeout; past it the query is stopped on the server (QUERY_TIMEOUT). */
  timeoutMs?: number;
  batchRows?: number;
}

/** The SQL a plan runs as on a source's engine: what the `sql` export format writes. */
export function compileForSource(plan: MetricPlan, source: Source, dialect = source.dialect): CompiledQuery {
  return compileMetricPlan(plan, metricDialect(dialect));
}

/**
 * Runs a plan on a Source: rows are `[period, ...groupBy, ...measures]` (measures as bigint, in units of
 * 10^-scale), streamed in bounded batches like any export. The SQL is our own compiled text, so it goes
 * through the source's raw-SQL path without the per-source RAW_SQL opt-in, which guards callers' SQL.
 */
export async function streamMetricPlan(
  source: Source,
  plan: MetricPlan,
  options: RunPlanOptions = {},
): Promise<RowStream> {
  const compiled = compileForSource(plan, source);
  return source.stream({ kind: 'sql', sql: compiled.sql, params: compiled.params }, options);
}
