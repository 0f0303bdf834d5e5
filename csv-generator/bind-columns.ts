import type { CsvGeneratorBody } from '../schemas/csv-generator.ts';
import { invalidFields, type FieldError } from '../schemas/parse-contract.ts';
import type { MetricRequest } from '../schemas/metric-request.ts';

/**
 * What each CSV column shows. The rule for key columns (no `metricId`): `field` names what they show —
 * `period` (the default, so the seed's `{ "heading": "Date" }` is the period) or one of `rowFilters`.
 * A metric column reads `fetchValue` (a measure; defaults to the request's only measure) from the request
 * with its `metricId`, in the slice its `filter` selects, at the row's period and rowFilters values.
 */
export type BoundColumn =
  | { kind: 'key'; heading: string; field: string }
  | { kind: 'metric'; heading: string; query: number; measure: string };

/** One metric query to run: a request, the measures columns read from it, and the slice. */
export interface ColumnQuery {
  request: MetricRequest;
  requestIndex: number;
  measures: string[];
  filter: Record<string, string>;
}

export interface CsvLayout {
  columns: BoundColumn[];
  queries: ColumnQuery[];
  /** The row key: period, then the rowFilters dimensions. */
  keyFields: string[];
  sortBy: number[];
}

export function bindColumns(body: CsvGeneratorBody): CsvLayout {
  const { columns, sortBy, rowFilters } = body.csvFormat;
  const errors: FieldError[] = [];
  const requests = new Map<string, number>();
  body.metricRequests.forEach((r, i) => {
    if (r.metricId === undefined) return;
    if (requests.has(r.metricId)) {
      errors.push({
        field: `metricRequests.${i}.metricId`,
        rule: `duplicate metricId ${JSON.stringify(r.metricId)}`,
      });
    }
    requests.set(r.metricId, i);
  });
  if (new Set(rowFilters).size !== rowFilters.length) {
    errors.push({ field: 'csvFormat.rowFilters', rule: 'each dimension once' });
  }
  const keyFields = ['period', ...rowFilters];
  const queries: ColumnQuery[] = [];
  const bound: BoundColumn[] = columns.map((c, i): BoundColumn => {
    const at = `csvFormat.columns.${i}`;
    if (c.metricId === undefined) {
      const field = c.field ?? 'period';
      if (!keyFields.includes(field)) {
        errors.push({ field: `${at}.field`, rule: `a key column shows one of ${keyFields.join(', ')}` });
      }
      if (c.fetchValue !== undefined || c.filter !== undefined) {
        errors.push({ field: `${at}.metricId`, rule: 'fetchValue and filter need a metricId' });
      }
      return { kind: 'key', heading: c.heading, field };
    }
    const requestIndex = requests.get(c.metricId);
    if (requestIndex === undefined) {
      errors.push({
        field: `${at}.metricId`,
        rule: `no metricRequest has metricId ${JSON.stringify(c.metricId)}`,
      });
      return { kind: 'key', heading: c.heading, field: 'period' };
    }
    if (c.field !== undefined && c.field !== 'value') {
      errors.push({ field: `${at}.field`, rule: 'a metric result has one field, "value"' });
    }
    const request = body.metricRequests[requestIndex]!;
    const measure = c.fetchValue ?? (request.measures?.length === 1 ? request.measures[0] : undefined);
    if (measure === undefined) {
      errors.push({ field: `${at}.fetchValue`, rule: 'name the measure to read (e.g. "entries")' });
      return { kind: 'key', heading: c.heading, field: 'period' };
    }
    const filter = Object.fromEntries(Object.entries(c.filter ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
    let query = queries.findIndex(
      (q) => q.requestIndex === requestIndex && JSON.stringify(q.filter) === JSON.stringify(filter),
    );
    if (query === -1) {
      query = queries.push({ request, requestIndex, measures: [], filter }) - 1;
    }
    if (!queries[query]!.measures.includes(measure)) queries[query]!.measures.push(measure);
    return { kind: 'metric', heading: c.heading, query, measure };
  });
  sortBy.forEach((index, i) => {
    if (index >= columns.length) {
      errors.push({
        field: `csvFormat.sortBy.${i}`,
        rule: `column index ${index} is past the last column (${columns.length - 1})`,
      });
    }
  });
  if (errors.length > 0) throw invalidFields(errors);
  return { columns: bound, queries, keyFields, sortBy };
}
