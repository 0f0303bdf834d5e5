import type { CompiledQuery } from '../dialects/source.ts';
import type { MetricDialect } from '../dialects/metric-dialect.ts';
import type { MetricPlan, PlanMeasure } from './plan.ts';
import { rowSecurityPredicate } from './row-security-sql.ts';

const HOUR = 3600;
const DAY = 86_400;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday; shifting by three days puts week starts on Mondays (ISO weeks). */
const MONDAY_SHIFT = 3 * DAY;

/**
 * One plan → one dialect's SQL. Three nested selects keep every engine's expression rules happy (aliases
 * are only referenced one level up, so no engine needs GROUP BY ordinals or repeated expressions):
 *   localised: rows in range, filtered, row security applied, the instant shifted to local wall clock;
 *   bucketed:  the local time cut to its period and labelled;
 *   outer:     grouped by period and dimensions, measures aggregated as BIGINT, ordered, limited.
 * Values are bound (dates, entity ids, filter and policy values, zone offsets); names come from the
 * catalog and are quoted.
 */
export function compileMetricPlan(plan: MetricPlan, dialect: MetricDialect): CompiledQuery {
  const q = (name: string) => dialect.quoteIdent(name);
  const params: unknown[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  const bindInt = (value: number) => dialect.intParam(bind(value));
  const bindTimestamp = (ms: number): string => {
    const placeholder = dialect.placeholder(params.length + 1);
    const { sql, value } = dialect.timestampParam(new Date(ms).toISOString(), placeholder);
    params.push(value);
    return sql;
  };

  // Placeholders are bound in the order they appear in the text (`?` engines count them), so the
  // offsets in the select list come before the WHERE clause's values.
  const time = q(plan.timeColumn);
  const epoch = dialect.epochSeconds(time);
  const offset = offsetExpression(plan, epoch, bindInt);
  const where = [`${time} >= ${bindTimestamp(plan.startMs)}`, `${time} <= ${bindTimestamp(plan.endMs)}`];
  for (const f of plan.filters) {
    where.push(f.values.length === 0 ? '1 = 0' : `${q(f.column)} IN (${f.values.map(bind).join(', ')})`);
  }
  where.push(rowSecurityPredicate(plan, q, bind));
  const measureInputs = plan.measures.filter(needsColumn);
  const localised = [
    `${epoch} + ${offset} AS ${q('local_epoch')}`,
    ...plan.groupBy.map((d) => `${q(d.column)} AS ${q(d.name)}`),
    ...measureInputs.map((m) => `${q(m.column!)} AS ${q(m.name)}`),
  ];
  const local = q('local_epoch');
  const bucketed = [
    `${label(plan, local, dialect)} AS ${q('period')}`,
    ...plan.groupBy.map((d) => q(d.name)),
    ...measureInputs.map((m) => q(m.name)),
  ];
  const keys = [q('period'), ...plan.groupBy.map((d) => q(d.name))];
  const outer = [
    ...keys,
    ...plan.measures.map((m) => `${dialect.castBigint(aggregate(m, q))} AS ${q(m.name)}`),
  ];
  const order = [q('period'), ...plan.groupBy.map((d) => dialect.orderText(q(d.name)))];

  let sql =
    `SELECT ${outer.join(', ')}\n` +
    `FROM (\n` +
    `  SELECT ${bucketed.join(', ')}\n` +
    `  FROM (\n` +
    `    SELECT ${localised.join(', ')}\n` +
    `    FROM ${dialect.quoteTable(plan.table)}\n` +
    `    WHERE ${where.join('\n      AND ')}\n` +
    `  ) AS ${q('localised')}\n` +
    `) AS ${q('bucketed')}\n` +
    `GROUP BY ${keys.join(', ')}\n` +
    `ORDER BY ${order.join(', ')}`;
  if (plan.limit !== undefined) sql = dialect.limit(sql, plan.limit);
  return { sql, params };
}

function needsColumn(m: PlanMeasure): boolean {
  return m.aggregate !== 'count';
}

function aggregate(m: PlanMeasure, q: (name: string) => string): string {
  switch (m.aggregate) {
    case 'count':
      return 'COUNT(*)';
    case 'count_distinct':
      return `COUNT(DISTINCT ${q(m.name)})`;
    case 'sum':
      return `SUM(${q(m.name)})`;
    case 'min':
      return `MIN(${q(m.name)})`;
    case 'max':
      return `MAX(${q(m.name)})`;
  }
}

/** The zone's offset for the row's instant: one bound value, or a CASE over the zone's changes in range. */
function offsetExpression(plan: MetricPlan, epoch: string, bindInt: (n: number) => string): string {
  const [first, ...changes] = plan.offsets;
  if (changes.length === 0) return bindInt(first!.offsetSeconds);
  // WHEN epoch < change THEN the offset before it; the last offset applies to everything after.
  const arms: string[] = [];
  let before = first!.offsetSeconds;
  for (const c of changes) {
    arms.push(`WHEN ${epoch} < ${bindInt(c.fromEpoch!)} THEN ${bindInt(before)}`);
    before = c.offsetSeconds;
  }
  return `(CASE ${arms.join(' ')} ELSE ${bindInt(before)} END)`;
}

function label(plan: MetricPlan, local: string, dialect: MetricDialect): string {
  const floorTo = (size: number, shift = 0) =>
    `(${local} - ${dialect.mod(shift ? `${local} + ${shift}` : local, String(size))})`;
  switch (plan.period) {
    case 'hour':
      return dialect.formatEpoch(floorTo(HOUR), 'hour');
    case 'day':
      return dialect.formatEpoch(floorTo(DAY), 'date');
    case 'week':
      return dialect.formatEpoch(floorTo(WEEK, MONDAY_SHIFT), 'date');
    case 'month':
      return dialect.formatEpoch(local, 'month');
  }
}
