import type { ClientBase } from 'pg';
import type { KeySpan, TableQuery } from '../source.ts';
import { compileTableSelect, type TableSchema } from '../table-select.ts';
import { postgresDialect, quoteIdent } from './dialect.ts';
import { Oid } from './oids.ts';

// The primary key when it is one column; its type decides whether it can be sliced into integer ranges.
const PRIMARY_KEY_SQL = `
SELECT a.attname, a.atttypid
FROM pg_index i
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = to_regclass($1) AND i.indisprimary AND i.indnkeyatts = 1`;

const INTEGER_TYPES = new Set<number>([Oid.int2, Oid.int4, Oid.int8]);

/**
 * The table's single-column integer primary key and its bounds under the query's filters (one index-only
 * min/max). Views, composite or non-integer keys get a note instead: those exports run as one stream.
 */
export async function keySpanOf(client: ClientBase, table: TableSchema, query: TableQuery): Promise<KeySpan> {
  const { rows } = await client.query<{ attname: string; atttypid: number }>(PRIMARY_KEY_SQL, [
    table.quotedName,
  ]);
  const key = rows[0];
  if (!key) return { note: `${table.table} has no single-column primary key` };
  if (!INTEGER_TYPES.has(key.atttypid))
    return { note: `the primary key of ${table.table} is not an integer` };
  const { sql, params } = compileTableSelect(postgresDialect, table, {
    kind: 'table',
    table: query.table,
    columns: [key.attname],
    ...(query.filters ? { filters: query.filters } : {}),
  });
  const k = quoteIdent('k');
  const bounds = await client.query<{ min: string | null; max: string | null }>(
    `SELECT min(${k})::text AS min, max(${k})::text AS max FROM (${sql}) AS q(${k})`,
    params,
  );
  const { min, max } = bounds.rows[0]!;
  if (min === null || max === null) return { note: 'the query selects no rows' };
  return { column: key.attname, min: BigInt(min), max: BigInt(max) };
}
