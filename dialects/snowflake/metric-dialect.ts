import type { LabelKind, MetricDialect } from '../metric-dialect.ts';

const LABEL: Record<LabelKind, string> = {
  date: 'YYYY-MM-DD',
  hour: 'YYYY-MM-DD"T"HH24:00',
  month: 'YYYY-MM-"01"',
};

/**
 * Snowflake quotes in double quotes, and a quoted name is case-sensitive: catalog names are lower case,
 * so the fact tables must have been created with quoted lower-case names (or the catalog must spell them
 * in upper case).
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Snowflake (SQL text only). Positional binds `:1`…; instants as TIMESTAMP_NTZ in UTC. */
export const snowflakeMetricDialect: MetricDialect = {
  name: 'snowflake',
  quoteIdent,
  quoteTable: (name) => name.split('.').map(quoteIdent).join('.'),
  placeholder: (index) => `:${index}`,
  timestampParam: (iso, p) => ({ sql: `TO_TIMESTAMP_NTZ(${p})`, value: iso.replace(/Z$/, '') }),
  intParam: (p) => `CAST(${p} AS BIGINT)`,
  epochSeconds: (column) => `DATE_PART(EPOCH_SECOND, ${column})`,
  mod: (a, b) => `MOD(${a}, ${b})`,
  formatEpoch: (epoch, kind) => `TO_CHAR(TO_TIMESTAMP_NTZ(${epoch}), '${LABEL[kind]}')`,
  castBigint: (sql) => `CAST(${sql} AS BIGINT)`,
  orderText: (sql) => sql, // byte order unless a default collation is set
  limit: (sql, rows) => `${sql}\nLIMIT ${rows}`,
};
