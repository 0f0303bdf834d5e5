import type { SqlDialect } from '../table-select.ts';

/** SQLite (like standard SQL) quotes identifiers in double quotes, doubling any quote inside. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  quoteIdent,
  placeholder: () => '?',
  // better-sqlite3 binds no booleans.
  bindValue: (value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value),
};
