import { SluiceError } from '../core/errors.ts';
import { bigqueryMetricDialect } from './bigquery/metric-dialect.ts';
import { duckdbMetricDialect } from './duckdb/metric-dialect.ts';
import { mysqlMetricDialect } from './mysql/metric-dialect.ts';
import { postgresMetricDialect } from './postgres/metric-dialect.ts';
import { snowflakeMetricDialect } from './snowflake/metric-dialect.ts';
import { sqliteMetricDialect } from './sqlite/metric-dialect.ts';
import { sqlserverMetricDialect } from './sqlserver/metric-dialect.ts';
import type { MetricDialect } from './metric-dialect.ts';

/** Engines a plan runs on (a Source exists) and those it only compiles to, as SQL text. */
export const EXECUTABLE_DIALECTS = ['postgres', 'mysql', 'sqlite', 'duckdb'] as const;
export const TEXT_ONLY_DIALECTS = ['bigquery', 'snowflake', 'sqlserver'] as const;
export type MetricDialectName = (typeof EXECUTABLE_DIALECTS)[number] | (typeof TEXT_ONLY_DIALECTS)[number];

const DIALECTS: Record<MetricDialectName, MetricDialect> = {
  postgres: postgresMetricDialect,
  mysql: mysqlMetricDialect,
  sqlite: sqliteMetricDialect,
  duckdb: duckdbMetricDialect,
  bigquery: bigqueryMetricDialect,
  snowflake: snowflakeMetricDialect,
  sqlserver: sqlserverMetricDialect,
};

/** A dialect by name: a Source's `dialect`, or one of the text-only engines. */
export function metricDialect(name: string): MetricDialect {
  if (!Object.hasOwn(DIALECTS, name)) {
    throw new SluiceError(
      'SOURCE_UNSUPPORTED',
      `no metric dialect ${JSON.stringify(name)}; known: ${Object.keys(DIALECTS).join(', ')}`,
    );
  }
  return DIALECTS[name as MetricDialectName];
}
