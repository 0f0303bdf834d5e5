import sqlParser from 'node-sql-parser';
import { SluiceError } from '../core/errors.ts';
import type { SqlQuery } from '../dialects/source.ts';
import type { ExportRequested } from '../schemas/export-requested.ts';
import { invalidFields } from '../schemas/parse-contract.ts';
import { isRawSqlGranted } from '../security/source-grants.ts';
import type { PlanningFacts, SourceFacts } from './export-plan.ts';
import type { RecipientSecurity } from './recipient-security.ts';
import { grantedTable } from './plan-table.ts';
import { governingDimensions } from './table-row-security.ts';

type SqlRequest = Extract<ExportRequested['query'], { kind: 'sql' }>;

/** node-sql-parser's grammar per engine; DuckDB's SQL is closest to PostgreSQL's. */
const GRAMMAR: Record<string, string> = {
  postgres: 'Postgresql',
  duckdb: 'Postgresql',
  mysql: 'MariaDB',
  sqlite: 'Sqlite',
};

const parser = new sqlParser.Parser();

/**
 * A caller's own statement, admitted only when the workspace's grant allows raw SQL and every table it
 * reads — found by parsing it, since that is the only way to know — is on the allow-list and ungoverned by
 * row policies (their predicates cannot be spliced into arbitrary SQL), unless the recipient's policies
 * grant every row. A statement the parser cannot read, or that is not one SELECT, is refused: what cannot
 * be checked is not run.
 */
export async function planSqlQuery(
  query: SqlRequest,
  source: SourceFacts,
  facts: PlanningFacts,
  security: RecipientSecurity,
): Promise<SqlQuery> {
  if (!isRawSqlGranted(source.grant, security.workspaceId)) {
    throw new SluiceError(
      'RAW_SQL_NOT_ALLOWED',
      `source ${JSON.stringify(source.name)} does not accept raw SQL from workspace ${security.workspaceId}; ` +
        `ask for a table, or have its owner grant raw SQL (SLUICE_SOURCE_${source.name.toUpperCase()}_RAW_SQL)`,
      { details: { field: 'query.sql', rule: 'raw SQL is not granted to this workspace on this source' } },
    );
  }
  for (const { table, cte } of readTables(query.sql, source.dialect)) {
    // A CTE's name shadows a table of that name, but the CTE's own body may read the real one (the parser
    // lists both alike): a name that exists on the source is checked as that table.
    if (cte && !(await exists(facts, source, table))) continue;
    const schema = await grantedTable(source, facts, table, 'query.sql');
    if (!governingDimensions(facts.catalog, schema.resolved)) continue;
    if ((await security.get()).grants.includes('all')) continue;
    throw new SluiceError(
      'ROW_SECURITY_UNENFORCEABLE',
      `raw SQL reads ${JSON.stringify(table)}, which row policies govern; export it as a table (the recipient's ` +
        `policy is applied there) or as a metric`,
      {
        details: {
          field: 'query.sql',
          rule: `reads ${table}, governed by row policies; only recipients granted all rows may use raw SQL on it`,
        },
      },
    );
  }
  return { kind: 'sql', sql: query.sql, ...(query.params ? { params: query.params } : {}) };
}

async function exists(facts: PlanningFacts, source: SourceFacts, table: string): Promise<boolean> {
  try {
    await facts.sources.table(source.name, table);
    return true;
  } catch (err) {
    if (err instanceof SluiceError && err.code === 'TABLE_NOT_FOUND') return false;
    throw err;
  }
}

/** The tables a statement reads (`schema.table` or `table`); `cte` marks names its WITH clauses define. */
export function readTables(sql: string, dialect: string): { table: string; cte: boolean }[] {
  let parsed: { tableList: string[]; ast: unknown };
  try {
    parsed = parser.parse(sql, { database: GRAMMAR[dialect] ?? 'Postgresql' });
  } catch (err) {
    // The parser reads no data-changing CTEs (`WITH d AS (DELETE … RETURNING *) SELECT …`); such a statement
    // is refused either way, but as what it is when a writing keyword is plainly there.
    if (WRITING_KEYWORD.test(withoutLiterals(sql))) throw notReadOnly(undefined);
    throw invalidFields([
      {
        field: 'query.sql',
        rule: `sluice cannot parse this statement to check which tables it reads (${firstLine(err)}); write it as one plain SELECT`,
      },
    ]);
  }
  const statements = Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast];
  if (statements.length !== 1) throw invalidFields([{ field: 'query.sql', rule: 'one SELECT statement' }]);
  const kind = (statements[0] as { type?: string }).type;
  if (kind !== 'select') throw notReadOnly(kind);
  const ctes = new Set<string>();
  collectCteNames(statements[0], ctes);
  const tables = new Map<string, boolean>();
  for (const entry of parsed.tableList) {
    const [type, schema, name] = entry.split('::') as [string, string, string];
    if (type !== 'select') throw notReadOnly(type);
    const table = schema === 'null' ? name : `${schema}.${name}`;
    tables.set(table, schema === 'null' && ctes.has(name.toLowerCase()));
  }
  return [...tables].map(([table, cte]) => ({ table, cte }));
}

const WRITING_KEYWORD =
  /\b(insert|update|delete|merge|upsert|replace|create|drop|alter|truncate|grant|revoke|copy|call|vacuum|reindex|cluster|refresh|lock|comment|set)\b/i;

/** The statement with its string literals, quoted identifiers and comments blanked, for a keyword search. */
function withoutLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
}

/**
 * A statement that would write (`UPDATE`, `DELETE … RETURNING` inside a CTE, DDL): refused before it reaches
 * the source, with the code the source's read-only session would give it, so both ends answer alike.
 */
function notReadOnly(kind: string | undefined): SluiceError {
  return new SluiceError(
    'QUERY_NOT_READ_ONLY',
    `exports run read-only; this statement would ${kind ? kind.toUpperCase() : 'change data'}`,
    { details: { errors: [{ field: 'query.sql', rule: 'a read-only SELECT' }] } },
  );
}

/** CTE names at any depth (`WITH d AS (…)` in a subquery too), so they are not taken for tables. */
function collectCteNames(node: unknown, into: Set<string>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) collectCteNames(item, into);
    return;
  }
  const withs = (node as { with?: unknown }).with;
  if (Array.isArray(withs)) {
    for (const w of withs) {
      const name = (w as { name?: { value?: unknown } | string }).name;
      const value = typeof name === 'string' ? name : name?.value;
      if (typeof value === 'string') into.add(value.toLowerCase());
    }
  }
  for (const value of Object.values(node)) collectCteNames(value, into);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 160);
}
