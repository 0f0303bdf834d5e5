import type { Column } from '../../schemas/column.ts';
import { SluiceError } from '../../core/errors.ts';
import type { CompiledQuery } from '../source.ts';

export interface TableSchema {
  table: string;
  columns: Column[];
}

/** SQLite (like standard SQL) quotes identifiers in double quotes, doubling any quote inside. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Only names that exist in the real schema reach the SQL text, and they are quoted even then, so a column
 * called `a"; DROP TABLE x; --` is just a column that is not there.
 */
export function compileTableSelect(schema: TableSchema, columns?: string[]): CompiledQuery {
  const known = new Set(schema.columns.map((c) => c.name));
  const selected = columns && columns.length > 0 ? columns : schema.columns.map((c) => c.name);
  for (const name of selected) {
    if (!known.has(name)) {
      throw new SluiceError(
        'COLUMN_NOT_FOUND',
        `column ${JSON.stringify(name)} does not exist in table ${JSON.stringify(schema.table)}`,
        { details: { table: schema.table, column: name } },
      );
    }
  }
  return {
    sql: `SELECT ${selected.map(quoteIdent).join(', ')} FROM ${quoteIdent(schema.table)}`,
    params: [],
  };
}
