import type { Catalog } from '../catalog/catalog.ts';
import { SluiceError } from '../core/errors.ts';
import type { RowFilter, TableSchema } from '../dialects/source.ts';
import type { RowSecurity } from '../security/row-policy.ts';
import { parseTableName, type TableRef } from '../security/source-grants.ts';

/**
 * The dimensions row policies speak of, mapped to a table's columns — when the catalog declares the table as
 * a metric's fact table (its `dimensions` say which column holds `region`, `entity` …). A table several
 * metrics share gets every metric's mapping. Undefined: no policy governs the table.
 *
 * A catalog table written without a schema governs that name in every schema: a table export cannot slip
 * past row security by naming the schema the catalog left out.
 */
export function governingDimensions(catalog: Catalog, table: TableRef): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  for (const metric of Object.values(catalog.data.metrics)) {
    const declared = parseTableName(metric.table);
    const sameName = declared.name.toLowerCase() === table.name.toLowerCase();
    const sameSchema =
      declared.schema === undefined ||
      table.schema === undefined ||
      declared.schema.toLowerCase() === table.schema.toLowerCase();
    if (sameName && sameSchema) found = { ...found, ...metric.dimensions };
  }
  return found;
}

/**
 * The recipient's grants as a row filter on a governed table: an `all` grant → no filter; each other grant
 * → one alternative of `column IN (values)`; a grant on a dimension the table does not map grants nothing
 * there (as for metrics). No grant → a filter that selects nothing. A mapped column the table lacks means
 * the catalog and the table disagree: the export is refused rather than run unfiltered.
 */
export function rowFilterFor(
  dimensions: Record<string, string>,
  schema: TableSchema,
  security: RowSecurity,
): RowFilter | undefined {
  if (security.grants.includes('all')) return undefined;
  const columns = new Set(schema.columns.map((c) => c.name));
  const anyOf: RowFilter['anyOf'] = [];
  for (const grant of security.grants) {
    if (grant === 'all') continue;
    const entries = Object.entries(grant);
    if (entries.length === 0 || entries.some(([dim]) => !Object.hasOwn(dimensions, dim))) continue;
    const missing = entries.map(([dim]) => dimensions[dim]!).find((column) => !columns.has(column));
    if (missing !== undefined) {
      throw new SluiceError(
        'ROW_SECURITY_UNENFORCEABLE',
        `table ${JSON.stringify(schema.table)} is governed by row policies, but its column ${JSON.stringify(missing)} ` +
          `(named by the catalog) does not exist, so the recipient's policy cannot be applied`,
        { details: { table: schema.table, column: missing } },
      );
    }
    anyOf.push(entries.map(([dim, values]) => ({ column: dimensions[dim]!, values })));
  }
  return { anyOf };
}
