import type { LabelKind, MetricDialect } from '../metric-dialect.ts';

const LABEL: Record<LabelKind, string> = { date: '%Y-%m-%d', hour: '%Y-%m-%dT%H:00', month: '%Y-%m-01' };

/** Backticks; a backslash or backtick inside is escaped (catalog names never have either). */
export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

/**
 * BigQuery (SQL text only: compiled, not executed here). Named parameters `@p1`…, which the client binds
 * with their types; TIMESTAMP columns; FORMAT_TIMESTAMP defaults to UTC, which is the local wall clock
 * we computed.
 */
export const bigqueryMetricDialect: MetricDialect = {
  name: 'bigquery',
  quoteIdent,
  quoteTable: (name) => name.split('.').map(quoteIdent).join('.'),
  placeholder: (index) => `@p${index}`,
  timestampParam: (iso, p) => ({ sql: `CAST(${p} AS TIMESTAMP)`, value: iso }),
  intParam: (p) => `CAST(${p} AS INT64)`,
  epochSeconds: (column) => `UNIX_SECONDS(${column})`,
  mod: (a, b) => `MOD(${a}, ${b})`,
  formatEpoch: (epoch, kind) => `FORMAT_TIMESTAMP('${LABEL[kind]}', TIMESTAMP_SECONDS(${epoch}))`,
  castBigint: (sql) => `CAST(${sql} AS INT64)`,
  orderText: (sql) => sql, // byte order unless a collation is set
  limit: (sql, rows) => `${sql}\nLIMIT ${rows}`,
};
