import type { SqlDialect } from '../table-select.ts';

/**
 * MySQL and MariaDB quote identifiers in backticks, doubling any backtick inside. Backticks work whatever
 * the server's sql_mode says (double quotes mean strings unless ANSI_QUOTES is on), so we never use `"`.
 */
export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** `schema.table` with each part quoted on its own, so a dot inside a name stays part of that name. */
export function quoteQualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * `?` placeholders: mysql2 escapes the bound values into the text protocol query on the client (the
 * session's sql_mode is kept free of NO_BACKSLASH_ESCAPES for exactly that reason, see session.ts).
 * Booleans, numbers and strings bind as they are, so no bindValue is needed.
 */
export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  quoteIdent,
  placeholder: () => '?',
};
