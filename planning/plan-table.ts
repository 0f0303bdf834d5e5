import { SluiceError } from '../core/errors.ts';
import type { TableQuery, TableSchema } from '../dialects/source.ts';
import type { ExportRequested } from '../schemas/export-requested.ts';
import { invalidFields, type FieldError } from '../schemas/parse-contract.ts';
import { isSystemTable, isTableGranted, parseTableName, type TableRef } from '../security/source-grants.ts';
import type { PlanningFacts, SourceFacts } from './export-plan.ts';
import { governingDimensions, rowFilterFor } from './table-row-security.ts';
import type { RecipientSecurity } from './recipient-security.ts';

type TableRequest = Extract<ExportRequested['query'], { kind: 'table' }>;

/**
 * Names a request may use for a table or column: no quotes, semicolons, spaces or comment markers, so a
 * name that reached SQL text by mistake could still do nothing but name. Real names outside this alphabet
 * are exported through a view with a plain name.
 */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}(\.[A-Za-z_][A-Za-z0-9_$-]{0,62})?$/;

/**
 * A table export checked against the grant and the live table: the table resolved on the source and on the
 * allow-list, every named column present, every filter's value shaped for its operator, and the
 * recipient's row filter added when row policies govern the table.
 */
export async function planTableQuery(
  query: TableRequest,
  source: SourceFacts,
  facts: PlanningFacts,
  security: RecipientSecurity,
): Promise<TableQuery> {
  if (!TABLE_NAME.test(query.table)) {
    throw invalidFields([
      { field: 'query.table', rule: 'a table name: letters, digits, _ $ - (and one dot for schema.table)' },
    ]);
  }
  const schema = await grantedTable(source, facts, query.table, 'query.table');
  const errors: FieldError[] = [];
  const names = new Set(schema.columns.map((c) => c.name));
  const known = (name: string, field: string) => {
    if (!names.has(name)) {
      errors.push({
        field,
        rule: `no column ${JSON.stringify(name)} in table ${JSON.stringify(query.table)}`,
      });
    }
  };
  query.columns?.forEach((c, i) => known(c, `query.columns.${i}`));
  query.orderBy?.forEach((o, i) => known(o.column, `query.orderBy.${i}.column`));
  query.filters?.forEach((f, i) => {
    known(f.column, `query.filters.${i}.column`);
    const field = `query.filters.${i}.value`;
    if (f.op === 'in' || f.op === 'not_in') {
      if (!Array.isArray(f.value)) errors.push({ field, rule: `${f.op} needs a non-empty array` });
    } else if (f.op === 'is_null' || f.op === 'is_not_null') {
      if (f.value !== undefined) errors.push({ field, rule: `${f.op} takes no value` });
    } else if (f.value === undefined || f.value === null || Array.isArray(f.value)) {
      errors.push({ field, rule: `${f.op} needs one scalar value (use is_null for NULL)` });
    }
  });
  if (errors.some((e) => !e.field.endsWith('.value'))) {
    throw new SluiceError('COLUMN_NOT_FOUND', errors.map((e) => `${e.field}: ${e.rule}`).join('; '), {
      details: { errors, table: query.table },
    });
  }
  if (errors.length > 0) throw invalidFields(errors);

  const dimensions = governingDimensions(facts.catalog, schema.resolved);
  const rowFilter = dimensions ? rowFilterFor(dimensions, schema, await security.get()) : undefined;
  return { ...query, ...(rowFilter ? { rowFilter } : {}) };
}

/**
 * The table as the source resolves it, refused unless the grant covers it. An entry that cannot match
 * whatever the schema is refused before the source is asked, so a caller cannot probe which ungranted
 * tables exist.
 */
export async function grantedTable(
  source: SourceFacts,
  facts: PlanningFacts,
  table: string,
  field: string,
): Promise<TableSchema> {
  const ref = parseTableName(table);
  const refuse = (shown: string) =>
    new SluiceError(
      'TABLE_NOT_GRANTED',
      `table ${JSON.stringify(shown)} is not granted on source ${JSON.stringify(source.name)}`,
      {
        details: {
          field,
          rule: 'a table on the source’s allow-list (SLUICE_SOURCE_<NAME>_TABLES)',
          table: shown,
        },
      },
    );
  if (!mayBeGranted(source, ref)) throw refuse(table);
  let schema: TableSchema;
  try {
    schema = await facts.sources.table(source.name, table);
  } catch (err) {
    if (err instanceof SluiceError && err.code === 'TABLE_NOT_FOUND') {
      throw new SluiceError('TABLE_NOT_FOUND', err.message, {
        details: { field, rule: `no table ${JSON.stringify(table)} on source ${source.name}`, table },
      });
    }
    throw err;
  }
  if (!isTableGranted(source.grant, schema.resolved)) {
    throw refuse(`${schema.resolved.schema}.${schema.resolved.name}`);
  }
  return schema;
}

function mayBeGranted(source: SourceFacts, ref: TableRef): boolean {
  if (isSystemTable(ref)) return false;
  if (ref.schema !== undefined) return isTableGranted(source.grant, ref);
  const name = ref.name.toLowerCase();
  return source.grant.tables.some((entry) => {
    const e = entry.toLowerCase();
    const last = e.slice(e.indexOf('.') + 1);
    return e === '*' || last === '*' || last === name;
  });
}
