import type { ClientBase, FieldDef } from 'pg';
import { needsLookup, planColumn, type ColumnPlan, type PgType } from './types.ts';

/** The parts of a result field (or a table attribute) that decide its column. */
export type FieldType = Pick<FieldDef, 'name' | 'dataTypeID' | 'dataTypeModifier'>;

export interface TypeCatalog {
  /** Columns and converters for these fields; asks pg_type only about types it has not seen yet. */
  plan(client: ClientBase, fields: readonly FieldType[]): Promise<ColumnPlan[]>;
}

// Every type the fields use plus, transitively, array element types and domain base types.
const TYPES_SQL = `
WITH RECURSIVE walk(oid) AS (
  SELECT unnest($1::oid[])
  UNION
  SELECT next.oid
  FROM walk JOIN pg_type t ON t.oid = walk.oid
  CROSS JOIN LATERAL (VALUES (t.typelem), (t.typbasetype)) AS next(oid)
  WHERE next.oid <> 0
)
SELECT t.oid, t.typname, t.typtype, t.typcategory, t.typelem, t.typbasetype, t.typtypmod, t.typdelim
FROM walk JOIN pg_type t ON t.oid = walk.oid`;

// The server's own spelling of each type with its modifier: numeric(38,10), character varying(20), int4[].
const NAMES_SQL = `
SELECT format_type(u.oid, u.typmod) AS name
FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS u(oid, typmod, i)
ORDER BY u.i`;

interface TypeRow {
  oid: number;
  typname: string;
  typtype: string;
  typcategory: string;
  typelem: number;
  typbasetype: number;
  typtypmod: number;
  typdelim: string;
}

/**
 * One per source: type OIDs are fixed per database, so what pg_type said is cached for the source's life
 * and a steady stream of exports asks the catalog nothing.
 */
export function createTypeCatalog(): TypeCatalog {
  const types = new Map<number, PgType>();
  const names = new Map<string, string>();
  const nameKey = (f: FieldType) => `${f.dataTypeID}:${f.dataTypeModifier}`;

  async function load(client: ClientBase, fields: readonly FieldType[]): Promise<void> {
    const missing = [...new Set(fields.map((f) => f.dataTypeID))].filter(
      (oid) => needsLookup(oid) && !types.has(oid),
    );
    if (missing.length > 0) {
      const { rows } = await client.query<TypeRow>(TYPES_SQL, [missing]);
      for (const r of rows) {
        types.set(r.oid, {
          oid: r.oid,
          name: r.typname,
          kind: r.typtype,
          category: r.typcategory,
          elem: r.typelem,
          base: r.typbasetype,
          baseTypmod: r.typtypmod,
          delimiter: r.typdelim,
        });
      }
    }
    const unnamed = [...new Map(fields.filter((f) => !names.has(nameKey(f))).map((f) => [nameKey(f), f]))];
    if (unnamed.length > 0) {
      const { rows } = await client.query<{ name: string }>(NAMES_SQL, [
        unnamed.map(([, f]) => f.dataTypeID),
        unnamed.map(([, f]) => f.dataTypeModifier),
      ]);
      unnamed.forEach(([key], i) => names.set(key, rows[i]?.name ?? 'unknown'));
    }
  }

  return {
    async plan(client, fields) {
      await load(client, fields);
      return fields.map((f) => planColumn(f, names.get(nameKey(f)) ?? 'unknown', (oid) => types.get(oid)));
    },
  };
}
