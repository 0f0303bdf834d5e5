import type { LabelKind, MetricDialect } from '../metric-dialect.ts';
import { quoteIdent } from './dialect.ts';

const LABEL: Record<LabelKind, string> = { date: '%Y-%m-%d', hour: '%Y-%m-%dT%H:00', month: '%Y-%m-01' };

/**
 * MySQL / MariaDB. No CONVERT_TZ (it needs the server's time zone tables, which a MariaDB install often
 * lacks — this machine's does): the plan's offsets are bound instead. Instants are DATETIME in UTC;
 * TIMESTAMPDIFF and DATE_ADD on DATETIME ignore the session's time_zone.
 */
export const mysqlMetricDialect: MetricDialect = {
  name: 'mysql',
  quoteIdent,
  quoteTable: (name) => name.split('.').map(quoteIdent).join('.'),
  placeholder: () => '?',
  timestampParam: (iso, p) => ({ sql: `CAST(${p} AS DATETIME(3))`, value: isoToDatetime(iso) }),
  intParam: (p) => p,
  epochSeconds: (column) => `TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', ${column})`,
  mod: (a, b) => `MOD(${a}, ${b})`,
  formatEpoch: (epoch, kind) =>
    `DATE_FORMAT(DATE_ADD(TIMESTAMP '1970-01-01 00:00:00', INTERVAL ${epoch} SECOND), '${LABEL[kind]}')`,
  castBigint: (sql) => `CAST(${sql} AS SIGNED)`,
  // Byte order needs a binary collation on the column (the demo tables have utf8mb4_bin); a COLLATE here
  // would fail on columns of another character set.
  orderText: (sql) => sql,
  limit: (sql, rows) => `${sql}\nLIMIT ${rows}`,
};

/** `2024-04-01T10:00:00.000Z` → `2024-04-01 10:00:00.000`, the DATETIME literal form. */
export function isoToDatetime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}
