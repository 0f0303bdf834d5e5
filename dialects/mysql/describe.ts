import { SluiceError } from '../../core/errors.ts';
import type { TableSchema } from '../table-select.ts';
import { quoteQualified } from './dialect.ts';
import { logicalColumn, nativeFromInformationSchema, type NativeColumn } from './types.ts';

/** A table query's table as the server knows it: the compiler's schema plus each column's native description. */
export interface ResolvedTable {
  schema: TableSchema;
  natives: Map<string, NativeColumn>;
}

export type RowsQuery = (sql: string, params: unknown[]) => Promise<unknown[][]>;

// COALESCE(?, DATABASE()): a bare table name lives in the connection's database (the URL's path).
const COLUMNS_SQL = `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE,
  NUMERIC_PRECISION, NUMERIC_SCALE
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?
ORDER BY TABLE_NAME, ORDINAL_POSITION`;

/** `db.table` splits at the first dot; a bare name is looked up in the connection's database. */
export function splitTableName(table: string): { database: string | null; name: string } {
  const dot = table.indexOf('.');
  return dot > 0
    ? { database: table.slice(0, dot), name: table.slice(dot + 1) }
    : { database: null, name: table };
}

/**
 * Resolves a table against information_schema, so only names that exist reach the SQL text, spelled as the
 * server stores them. information_schema matches names the way the server does: case-sensitively where
 * lower_case_table_names=0 (Linux), case-insensitively elsewhere; there, an exact spelling wins over
 * names that differ from it only in case.
 */
export async function resolveTable(rows: RowsQuery, table: string): Promise<ResolvedTable> {
  const { database, name } = splitTableName(table);
  const found = (await rows(COLUMNS_SQL, [database, name])) as [
    string,
    string,
    string,
    string,
    string,
    string,
    string | number | null,
    string | number | null,
  ][];
  const tableNames = [...new Set(found.map((r) => r[1]))];
  const stored = tableNames.includes(name) ? name : tableNames.length === 1 ? tableNames[0] : undefined;
  if (stored === undefined) {
    const where = database === null ? 'the connection’s database' : `database ${JSON.stringify(database)}`;
    throw new SluiceError(
      'TABLE_NOT_FOUND',
      tableNames.length > 1
        ? `table ${JSON.stringify(table)} matches ${tableNames.join(', ')} in ${where}; give the exact case`
        : `table ${JSON.stringify(table)} does not exist in ${where}`,
      { details: { table } },
    );
  }
  const columns = found.filter((r) => r[1] === stored);
  const natives = new Map<string, NativeColumn>();
  for (const [, , column, dataType, columnType, isNullable, precision, scale] of columns) {
    natives.set(
      column,
      nativeFromInformationSchema({
        name: column,
        dataType,
        columnType,
        nullable: isNullable === 'YES',
        numericPrecision: precision === null ? null : Number(precision),
        numericScale: scale === null ? null : Number(scale),
      }),
    );
  }
  return {
    schema: {
      table,
      quotedName: quoteQualified(columns[0]![0], stored),
      resolved: { schema: columns[0]![0], name: stored },
      columns: [...natives.values()].map(logicalColumn),
    },
    natives,
  };
}
