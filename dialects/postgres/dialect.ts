import type { SqlDialect } from '../table-select.ts';

/** Double quotes around, any quote inside doubled: every name is taken literally (case, spaces, dots). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** node-postgres binds booleans, numbers and strings as text PostgreSQL casts to the column's type. */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  quoteIdent,
  placeholder: (index) => `$${index}`,
};

/**
 * `schema.table` or `table` as a caller writes it → its parts. The first dot separates the schema, so a
 * table whose own name contains a dot must be given with its schema (`public.my.table`).
 */
export function splitTableName(table: string): { schema?: string; name: string } {
  const dot = table.indexOf('.');
  return dot === -1 ? { name: table } : { schema: table.slice(0, dot), name: table.slice(dot + 1) };
}

/**
 * COPY takes only a query in parentheses: trailing semicolons would end the statement early, and a
 * trailing `-- comment` would swallow the closing parenthesis, hence the newlines.
 */
export function copyStatement(sql: string): string {
  return `COPY (\n${sql.replace(/[\s;]+$/, '')}\n) TO STDOUT (FORMAT text, ENCODING 'UTF8')`;
}

/**
 * Whether a statement can run inside COPY ( … ): SELECT, VALUES, TABLE and WITH queries can. Anything else
 * (SHOW, EXPLAIN, …) takes the cursor path, which runs any statement that returns rows.
 */
export function isCopyable(sql: string): boolean {
  const body = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/, '');
  return /^(?:select|with|values|table)\b/i.test(body);
}
