import type { AggregationPeriod } from '../schemas/metric-request.ts';
import type { RowSecurity } from '../security/row-policy.ts';

/**
 * A metric request resolved against the catalog: every name is a catalog name (looked up, never taken
 * from the request as text), every value still a value. Pure data, so one plan compiles to any dialect
 * and the same plan can be shown, logged or golden-filed.
 */
export interface MetricPlan {
  metricId: string;
  /** Fact table and its instant column, as the catalog declares them. */
  table: string;
  timeColumn: string;
  period: AggregationPeriod;
  timeZone: string;
  /**
   * The zone's UTC offsets over [start, end]: each segment applies from `fromEpoch` (seconds, inclusive;
   * null for the first) until the next one's. Bound into the SQL, so bucketing in a zone needs no time
   * zone tables in the engine (MariaDB here has none) and the zone's name never reaches SQL text.
   */
  offsets: OffsetSegment[];
  /** Inclusive bounds, ms since 1970 (the request's `start` and `end`). */
  startMs: number;
  endMs: number;
  /** Result rows are keyed by the period and these dimensions, in this order. */
  groupBy: PlanDimension[];
  measures: PlanMeasure[];
  /** ANDed: the entities, report filters, a CSV column's slice. Each is `column IN (values)`. */
  filters: PlanFilter[];
  /** Every dimension of the metric: row-level security predicates are mapped through it. */
  dimensions: Record<string, string>;
  /** The recipient's grants; compiled into every query, ORed among themselves and ANDed with the rest. */
  security: RowSecurity;
  limit?: number;
}

export interface OffsetSegment {
  fromEpoch: number | null;
  offsetSeconds: number;
}

export interface PlanDimension {
  name: string;
  column: string;
}

export interface PlanMeasure {
  name: string;
  aggregate: 'sum' | 'count' | 'min' | 'max' | 'count_distinct';
  column?: string;
  /** Results are integers in units of 10^-scale. */
  scale: number;
}

export interface PlanFilter {
  dimension: string;
  column: string;
  values: string[];
}

/** The result's columns in order: period, the group-by dimensions, the measures. */
export function planColumns(plan: MetricPlan): string[] {
  return ['period', ...plan.groupBy.map((d) => d.name), ...plan.measures.map((m) => m.name)];
}
