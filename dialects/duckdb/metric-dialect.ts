import type { LabelKind, MetricDialect } from '../metric-dialect.ts';

const LABEL: Record<LabelKind, string> = { date: '%Y-%m-%d', hour: '%Y-%m-%dT%H:00', month: '%Y-%m-01' };

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** DuckDB: instants as TIMESTAMP in UTC; make_timestamp(µs) gives a zone-free TIMESTAMP to format. */
export const duckdbMetricDialect: MetricDialect = {
  name: 'duckdb',
  quoteIdent,
  quoteTable: (name) => name.split('.').map(quoteIdent).join('.'),
  placeholder: () => '?',
  timestampParam: (iso, p) => ({
    sql: `CAST(${p} AS TIMESTAMP)`,
    value: iso.replace('T', ' ').replace(/Z$/, ''),
  }),
  intParam: (p) => `CAST(${p} AS BIGINT)`,
  epochSeconds: (column) => `CAST(FLOOR(epoch(${column})) AS BIGINT)`,
  mod: (a, b) => `((${a}) % ${b})`,
  formatEpoch: (epoch, kind) =>
    `strftime(make_timestamp(CAST(${epoch} AS BIGINT) * 1000000), '${LABEL[kind]}')`,
  castBigint: (sql) => `CAST(${sql} AS BIGINT)`,
  orderText: (sql) => sql, // DuckDB compares strings byte-wise unless told otherwise
  limit: (sql, rows) => `${sql}\nLIMIT ${rows}`,
};
