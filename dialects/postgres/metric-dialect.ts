import type { LabelKind, MetricDialect } from '../metric-dialect.ts';
import { quoteIdent } from './dialect.ts';

const LABEL: Record<LabelKind, string> = {
  date: 'YYYY-MM-DD',
  hour: 'YYYY-MM-DD"T"HH24:00',
  month: 'YYYY-MM-"01"',
};

/** PostgreSQL: `$n` parameters, typed by casts where the planner cannot infer them (CASE branches). */
export const postgresMetricDialect: MetricDialect = {
  name: 'postgres',
  quoteIdent,
  quoteTable: (name) => name.split('.').map(quoteIdent).join('.'),
  placeholder: (index) => `$${index}`,
  timestampParam: (iso, p) => ({ sql: `CAST(${p} AS timestamptz)`, value: iso }),
  intParam: (p) => `CAST(${p} AS bigint)`,
  epochSeconds: (column) => `CAST(FLOOR(EXTRACT(EPOCH FROM ${column})) AS bigint)`,
  mod: (a, b) => `MOD(${a}, ${b})`,
  // to_timestamp() gives an instant; read back in UTC it is the local wall clock we computed.
  formatEpoch: (epoch, kind) => `to_char(to_timestamp(${epoch}) AT TIME ZONE 'UTC', '${LABEL[kind]}')`,
  castBigint: (sql) => `CAST(${sql} AS bigint)`,
  // The database's collation (en_US, say) ignores punctuation and case at first; "C" orders by bytes, as
  // the other engines do.
  orderText: (sql) => `${sql} COLLATE "C"`,
  limit: (sql, rows) => `${sql}\nLIMIT ${rows}`,
};
