import type { CompiledQuery } from '../source.ts';
import type { Lease } from './session.ts';

export type ServerFlavor = 'mariadb' | 'mysql';

export async function serverFlavor(lease: Lease): Promise<ServerFlavor> {
  const [[version]] = (await lease.rows('SELECT VERSION()')) as [[string]];
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

/**
 * One statement's own time limit, written into the statement so it binds that statement only and the
 * pooled session keeps its setting: MariaDB's `SET STATEMENT max_statement_time = s FOR …` (any
 * statement; the server stops it and answers ER_STATEMENT_TIMEOUT), MySQL's MAX_EXECUTION_TIME optimizer
 * hint (SELECT only). The limit is a validated integer, so it is written as a literal.
 */
export function withStatementTimeout(
  flavor: ServerFlavor,
  compiled: CompiledQuery,
  timeoutMs: number,
): CompiledQuery {
  if (flavor === 'mariadb') {
    return { ...compiled, sql: `SET STATEMENT max_statement_time = ${timeoutMs / 1000} FOR ${compiled.sql}` };
  }
  return {
    ...compiled,
    sql: compiled.sql.replace(/^\s*SELECT\b/i, `SELECT /*+ MAX_EXECUTION_TIME(${timeoutMs}) */`),
  };
}
