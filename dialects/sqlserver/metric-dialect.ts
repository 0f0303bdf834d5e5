import type { LabelKind, MetricDialect } from '../metric-dialect.ts';

/** Square brackets, a `]` inside doubled. */
export function quoteIdent(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}

/** The local wall clock as DATETIME2: days and seconds added apart, as DATEADD takes an int. */
function wallClock(epoch: string): string {
  return `DATEADD(SECOND, ${epoch} % 86400, DATEADD(DAY, ${epoch} / 86400, CAST('1970-01-01' AS DATETIME2)))`;
}

function format(epoch: string, kind: LabelKind): string {
  const at = wallClock(epoch);
  switch (kind) {
    case 'date':
      return `CONVERT(CHAR(10), ${at}, 23)`; // yyyy-mm-dd
    case 'hour':
      return `CONVERT(CHAR(13), ${at}, 126) + ':00'`; // yyyy-mm-ddThh
    case 'month':
      return `CONVERT(CHAR(7), ${at}, 23) + '-01'`;
  }
}

/**
 * SQL Server (SQL text only). `@p1`… parameters as sp_executesql takes them; instants as DATETIME2 in
 * UTC. No AT TIME ZONE: it wants Windows zone names, and the plan's bound offsets make it unnecessary.
 * No LIMIT: OFFSET … FETCH after the ORDER BY.
 */
export const sqlserverMetricDialect: MetricDialect = {
  name: 'sqlserver',
  quoteIdent,
  quoteTable: (name) => name.split('.').map(quoteIdent).join('.'),
  placeholder: (index) => `@p${index}`,
  timestampParam: (iso, p) => ({ sql: `CAST(${p} AS DATETIME2)`, value: iso.replace(/Z$/, '') }),
  intParam: (p) => `CAST(${p} AS BIGINT)`,
  epochSeconds: (column) => `DATEDIFF_BIG(SECOND, CAST('1970-01-01' AS DATETIME2), ${column})`,
  mod: (a, b) => `((${a}) % ${b})`,
  formatEpoch: format,
  castBigint: (sql) => `CAST(${sql} AS BIGINT)`,
  orderText: (sql) => `${sql} COLLATE Latin1_General_BIN2`,
  limit: (sql, rows) => `${sql}\nOFFSET 0 ROWS FETCH NEXT ${rows} ROWS ONLY`,
};
