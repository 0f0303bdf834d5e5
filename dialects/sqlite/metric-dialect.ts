import type { LabelKind, MetricDialect } from '../metric-dialect.ts';
import { quoteIdent } from './compile.ts';

const LABEL: Record<LabelKind, string> = { date: '%Y-%m-%d', hour: '%Y-%m-%dT%H:00', month: '%Y-%m-01' };

/**
 * SQLite keeps instants as ISO text in UTC (`2024-04-01 10:15:00`), compared as text: the bound bounds are
 * written the same way, with a fraction only when there is one, so `10:15:00` ≥ `10:15:00` holds.
 */
export const sqliteMetricDialect: MetricDialect = {
  name: 'sqlite',
  quoteIdent,
  quoteTable: (name) => name.split('.').map(quoteIdent).join('.'),
  placeholder: () => '?',
  timestampParam: (iso, p) => ({ sql: p, value: isoToSqliteText(iso) }),
  intParam: (p) => p,
  epochSeconds: (column) => `CAST(strftime('%s', ${column}) AS INTEGER)`,
  mod: (a, b) => `((${a}) % ${b})`,
  formatEpoch: (epoch, kind) => `strftime('${LABEL[kind]}', ${epoch}, 'unixepoch')`,
  castBigint: (sql) => `CAST(${sql} AS INTEGER)`,
  orderText: (sql) => sql, // BINARY is SQLite's default collation
  limit: (sql, rows) => `${sql}\nLIMIT ${rows}`,
};

export function isoToSqliteText(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/Z$/, '')
    .replace(/\.000$/, '');
}
