import type { Column } from '../schemas/column.ts';
import { SluiceError } from '../core/errors.ts';
import type { CompiledQuery, Filter, KeyRange, RowFilter, TableQuery, TableSchema } from './source.ts';
import { invalidFields } from '../schemas/parse-contract.ts';

export type { TableSchema };

/** What differs between engines when compiling a table select. */
export interface SqlDialect {
  name: string;
  quoteIdent(name: string): string;
  /** Placeholder for the n-th bound value, 1-based: `$1` (PostgreSQL) or `?` (MySQL, SQLite). */
  placeholder(index: number): string;
  /** Bound filter values are plain JSON; an engine may need them shaped for the column (e.g. booleans). */
  bindValue?(value: unknown, column: Column): unknown;
}

const OPERATORS = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/**
 * One compiler for every engine: names are checked against the real schema (an unknown name is an error,
 * never text in the SQL), values are bound, and only the quoting and placeholder style differ.
 */
export function compileTableSelect(
  dialect: SqlDialect,
  schema: TableSchema,
  query: TableQuery,
): CompiledQuery {
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  const column = (name: string, role: string): Column => {
    const found = byName.get(name);
    if (!found) {
      throw new SluiceError(
        'COLUMN_NOT_FOUND',
        `${role} column ${JSON.stringify(name)} does not exist in table ${JSON.stringify(schema.table)}`,
        { details: { table: schema.table, column: name } },
      );
    }
    return found;
  };
  const q = (name: string) => dialect.quoteIdent(name);
  const params: unknown[] = [];
  const bind = (value: unknown, col: Column): string => {
    params.push(dialect.bindValue ? dialect.bindValue(value, col) : value);
    return dialect.placeholder(params.length);
  };

  const selected =
    query.columns && query.columns.length > 0 ? query.columns : schema.columns.map((c) => c.name);
  const list = selected.map((name) => q(column(name, 'selected').name)).join(', ');
  let sql = `SELECT ${list} FROM ${schema.quotedName}`;

  const where = (query.filters ?? []).map((f, i) =>
    predicate(f, `query.filters.${i}`, column(f.column, 'filter'), q, bind),
  );
  if (query.rowFilter) where.push(rowFilterPredicate(query.rowFilter, column, q, bind));
  if (query.keyRange)
    where.push(keyRangePredicate(query.keyRange, q(column(query.keyRange.column, 'keyRange').name)));
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;

  const order = (query.orderBy ?? []).map(
    (o) => `${q(column(o.column, 'orderBy').name)} ${o.direction === 'desc' ? 'DESC' : 'ASC'}`,
  );
  if (order.length > 0) sql += ` ORDER BY ${order.join(', ')}`;

  if (query.limit !== undefined) {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
      throw invalidFields([
        { field: 'query.limit', rule: `must be a non-negative integer, got ${query.limit}` },
      ]);
    }
    sql += ` LIMIT ${query.limit}`;
  }
  return { sql, params };
}

function predicate(
  f: Filter,
  field: string,
  col: Column,
  q: (name: string) => string,
  bind: (value: unknown, col: Column) => string,
): string {
  const name = q(col.name);
  switch (f.op) {
    case 'is_null':
      return `${name} IS NULL`;
    case 'is_not_null':
      return `${name} IS NOT NULL`;
    case 'in':
    case 'not_in': {
      if (!Array.isArray(f.value) || f.value.length === 0) {
        throw invalidFields([{ field: `${field}.value`, rule: `${f.op} needs a non-empty array` }]);
      }
      const list = f.value.map((v) => bind(v, col)).join(', ');
      return `${name} ${f.op === 'in' ? 'IN' : 'NOT IN'} (${list})`;
    }
    default: {
      const op = OPERATORS[f.op];
      if (!op)
        throw invalidFields([{ field: `${field}.op`, rule: `unknown operator ${JSON.stringify(f.op)}` }]);
      if (f.value === undefined || f.value === null || Array.isArray(f.value)) {
        throw invalidFields([
          { field: `${field}.value`, rule: `${f.op} needs one scalar value (use is_null for NULL)` },
        ]);
      }
      return `${name} ${op} ${bind(f.value, col)}`;
    }
  }
}

/** The recipient's row filter: `(a IN (…) AND b IN (…)) OR (…)`, values bound; none at all is `1 = 0`. */
function rowFilterPredicate(
  filter: RowFilter,
  column: (name: string, role: string) => Column,
  q: (name: string) => string,
  bind: (value: unknown, col: Column) => string,
): string {
  const alternatives = filter.anyOf
    .filter((all) => all.length > 0 && all.every((c) => c.values.length > 0))
    .map((all) =>
      all
        .map((c) => {
          const col = column(c.column, 'row security');
          return `${q(col.name)} IN (${c.values.map((v) => bind(v, col)).join(', ')})`;
        })
        .join(' AND '),
    );
  return alternatives.length === 0 ? '1 = 0' : `((${alternatives.join(') OR (')}))`;
}

/**
 * A parallel export's slice of an integer key. The bounds are integers sluice computed itself, written as
 * literals rather than bound, so the slice keeps the engine's no-parameter fast path (PostgreSQL COPY);
 * anything but digits is refused, so no text reaches the SQL.
 */
function keyRangePredicate(range: KeyRange, name: string): string {
  for (const bound of [range.gte, range.lt]) {
    if (!/^-?\d{1,20}$/.test(bound)) {
      // sluice computes the bounds itself (parallel-ranges.ts): anything else is a bug of ours.
      throw new SluiceError('INTERNAL_ERROR', `key range bound ${JSON.stringify(bound)} is not an integer`);
    }
  }
  return `${name} >= ${range.gte} AND ${name} < ${range.lt}`;
}
