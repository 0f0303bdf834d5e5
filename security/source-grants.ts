/**
 * Who may read what through a configured source. Deny by default: a source without a grant serves no
 * workspace, a table not on its allow-list is refused, and raw SQL is refused unless the grant names the
 * workspace. System catalogs and sluice's own tables are refused whatever the grant says, because a
 * source's role can usually read them and they hold other workspaces' data (job bodies, token hashes).
 */
export interface SourceGrant {
  /** Workspaces that may name the source; `'*'` is every workspace. */
  workspaces: '*' | string[];
  /**
   * Tables a request may read: `schema.table`, `table` (any schema), `schema.*`, or `*` (every table that
   * is not a system catalog or sluice's own).
   */
  tables: string[];
  /** Workspaces that may send raw SQL (among those granted the source); `'*'` is all of them. */
  rawSql: '*' | string[];
}

/** What nobody is granted: a source's grant lists what it serves, nothing more. */
export const NO_GRANT: SourceGrant = { workspaces: [], tables: [], rawSql: [] };

/** Every workspace, every ordinary table, raw SQL too: for tests and the embedded demo, never a default. */
export const OPEN_GRANT: SourceGrant = { workspaces: '*', tables: ['*'], rawSql: '*' };

/**
 * Schemas and tables no grant can open. PostgreSQL's catalogs, MySQL/MariaDB's system databases,
 * SQLite's schema tables, DuckDB's, and sluice's own state (`sluice_*`, in whatever schema it lives).
 */
const SYSTEM_SCHEMAS = new Set([
  'pg_catalog',
  'information_schema',
  'pg_toast',
  'mysql',
  'performance_schema',
  'sys',
  'temp',
]);
const SYSTEM_TABLE = /^(sluice_|sqlite_|pg_|duckdb_)/i;

/** A table split into schema and name, as the source resolved it (schema absent when unknown). */
export interface TableRef {
  schema?: string;
  name: string;
}

export function isSystemTable({ schema, name }: TableRef): boolean {
  if (schema !== undefined && (SYSTEM_SCHEMAS.has(schema.toLowerCase()) || /^pg_/i.test(schema))) return true;
  return SYSTEM_TABLE.test(name);
}

export function isWorkspaceGranted(grant: SourceGrant, workspaceId: string): boolean {
  return grant.workspaces === '*' || grant.workspaces.includes(workspaceId);
}

export function isRawSqlGranted(grant: SourceGrant, workspaceId: string): boolean {
  return (
    isWorkspaceGranted(grant, workspaceId) && (grant.rawSql === '*' || grant.rawSql.includes(workspaceId))
  );
}

/**
 * Whether the allow-list covers a table. Names compare case-insensitively (MySQL on some systems and the
 * request's spelling may differ in case); a `schema.…` entry needs the schema the source resolved.
 */
export function isTableGranted(grant: SourceGrant, table: TableRef): boolean {
  if (isSystemTable(table)) return false;
  const schema = table.schema?.toLowerCase();
  const name = table.name.toLowerCase();
  return grant.tables.some((entry) => {
    const e = entry.toLowerCase();
    if (e === '*') return true;
    const dot = e.indexOf('.');
    if (dot === -1) return e === name;
    const [s, t] = [e.slice(0, dot), e.slice(dot + 1)];
    return schema !== undefined && s === schema && (t === '*' || t === name);
  });
}

/** Splits `schema.table` (one dot at most, as requests and the catalog write it). */
export function parseTableName(table: string): TableRef {
  const dot = table.indexOf('.');
  return dot === -1 ? { name: table } : { schema: table.slice(0, dot), name: table.slice(dot + 1) };
}

/** The grant as one line, for `sluice sources` and error messages. */
export function describeGrant(grant: SourceGrant): string {
  const list = (v: '*' | string[]) => (v === '*' ? '*' : v.length === 0 ? '(none)' : v.join(','));
  return `workspaces=${list(grant.workspaces)} tables=${list(grant.tables)} rawSql=${list(grant.rawSql)}`;
}
