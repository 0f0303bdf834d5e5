import type { ClientBase } from 'pg';
import { SluiceError } from '../../core/errors.ts';
import type { TableSchema } from '../table-select.ts';
import { quoteIdent, splitTableName } from './dialect.ts';
import type { TypeCatalog } from './type-catalog.ts';

// to_regclass resolves a quoted name through search_path like the query itself will, and yields NULL
// (not an error) for a missing table. Only relations a SELECT can read count.
const TABLE_SQL = `
SELECT n.nspname, c.relname, a.attname, a.atttypid, a.atttypmod, a.attnotnull
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
ORDER BY a.attnum`;

interface AttributeRow {
  nspname: string;
  relname: string;
  attname: string | null;
  atttypid: number | null;
  atttypmod: number | null;
  attnotnull: boolean | null;
}

/**
 * The table as the catalog has it: its schema-qualified quoted name (so a later search_path change cannot
 * point the query elsewhere) and its columns in order, typed and with their NOT NULL constraints.
 */
export async function describeTable(
  client: ClientBase,
  table: string,
  types: TypeCatalog,
): Promise<TableSchema> {
  const { schema, name } = splitTableName(table);
  const regclass = schema === undefined ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
  const { rows } = await client.query<AttributeRow>(TABLE_SQL, [regclass]);
  const first = rows[0];
  if (!first) {
    throw new SluiceError('TABLE_NOT_FOUND', `table ${JSON.stringify(table)} does not exist`, {
      details: { table },
    });
  }
  const attributes = rows.filter((r) => r.attname !== null);
  const plans = await types.plan(
    client,
    attributes.map((r) => ({ name: r.attname!, dataTypeID: r.atttypid!, dataTypeModifier: r.atttypmod! })),
  );
  return {
    table,
    quotedName: `${quoteIdent(first.nspname)}.${quoteIdent(first.relname)}`,
    resolved: { schema: first.nspname, name: first.relname },
    columns: plans.map((p, i) => ({ ...p.column, nullable: !attributes[i]!.attnotnull })),
  };
}
