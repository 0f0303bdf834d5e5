import type { CompiledQuery } from '../core/compiled-query.ts';
import type { RowBatch } from '../core/rows.ts';
import type { Column } from '../schemas/column.ts';

/** A table as the engine resolved it: what a table select compiles against. */
export interface TableSchema {
  /** Already quoted, possibly schema-qualified: `"public"."events"`. */
  quotedName: string;
  /** The name as the caller gave it, for messages. */
  table: string;
  /** Where the source resolved it: schema (database on MySQL, `main` on SQLite) and the stored name. */
  resolved: { schema: string; name: string };
  columns: Column[];
}

// The Source contract speaks in rows and compiled queries; whoever uses a Source gets them from here too.
export type { CompiledQuery } from '../core/compiled-query.ts';
export type { Row, RowBatch } from '../core/rows.ts';

export type FilterOp =
  'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'not_in' | 'is_null' | 'is_not_null';

/** `column op value`; the value is always bound, never written into the SQL text. */
export interface Filter {
  column: string;
  op: FilterOp;
  /** A scalar for the comparisons, a non-empty array for in/not_in, absent for the null tests. */
  value?: string | number | boolean | null | (string | number | boolean)[];
}

export interface OrderBy {
  column: string;
  direction?: 'asc' | 'desc';
}

/**
 * A table export as the caller asked for it; the source resolves every name against the real schema, so
 * only names that exist reach the SQL text (quoted even then). `table` may be `schema.table`.
 */
export interface TableQuery {
  kind: 'table';
  table: string;
  columns?: string[];
  /** ANDed together. */
  filters?: Filter[];
  orderBy?: OrderBy[];
  limit?: number;
  /** Set by sluice for one stream of a parallel export, never by callers: `gte <= column < lt`. */
  keyRange?: KeyRange;
  /** Set by planning from the recipient's row policies, never by callers: ANDed with the filters. */
  rowFilter?: RowFilter;
}

/**
 * Row-level security on a table: rows matching any alternative, each alternative's columns ANDed, each
 * column `IN (values)`. No alternative at all selects nothing (deny by default).
 */
export interface RowFilter {
  anyOf: { column: string; values: string[] }[][];
}

/** A half-open slice of an integer column; decimal digits, so int8 keys stay exact. */
export interface KeyRange {
  column: string;
  gte: string;
  lt: string;
}

/** The integer key a table export can be sliced on, and its bounds under the query's filters. */
export type KeySpan = { column: string; min: bigint; max: bigint } | { note: string };

export interface SqlQuery {
  kind: 'sql';
  sql: string;
  params?: unknown[];
}

export type Query = TableQuery | SqlQuery;

export interface RowStream {
  columns: Column[];
  /** The query as it runs on the engine, for the `sql` format and for logs. */
  compiled: CompiledQuery;
  batches: AsyncIterable<RowBatch>;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Upper bound on rows per batch; memory stays bounded by it whatever the row count. */
  batchRows?: number;
  /**
   * This query's own time limit (a report's `queryTimeoutMs`), overriding the source's statement timeout;
   * past it the query is stopped on the server and the stream fails with QUERY_TIMEOUT.
   */
  timeoutMs?: number;
}

/**
 * CSV bytes written by the engine itself (no header; RFC 4180 quoting; rows end in `\n`), holding the
 * same field text encoders/csv would write for the decoded rows. See pipeline/run-native-csv-export.ts.
 */
export interface CsvByteStream {
  columns: Column[];
  compiled: CompiledQuery;
  chunks: AsyncIterable<Buffer>;
  /** Rows the engine reported; read it once `chunks` has ended. */
  rowCount(): number;
}

export interface CsvStreamOptions extends StreamOptions {
  delimiter: string;
}

export interface Source {
  readonly dialect: string;
  /** Compiles without running: what the `sql` format writes, and what stream() would execute. */
  compile(query: Query): Promise<CompiledQuery>;
  /** Columns of the result without reading rows (LIMIT 0 / describe). */
  describe(query: Query): Promise<Column[]>;
  stream(query: Query, options?: StreamOptions): Promise<RowStream>;
  /**
   * Optional fast path: the engine writes the CSV itself. Resolves undefined (nothing held) when this query
   * cannot take it — bound values, column types the engine cannot render as the encoder does.
   */
  streamCsv?(query: Query, options: CsvStreamOptions): Promise<CsvByteStream | undefined>;
  /**
   * Optional, for parallel exports: the table's single-column integer primary key and its min/max under the
   * query's filters, or a note saying why the query cannot be sliced (or that it is empty).
   */
  keySpan?(query: TableQuery): Promise<KeySpan>;
  /**
   * The table a table query names, as the engine resolves it (schema, stored name, columns), without reading
   * rows: what planning checks grants and columns against. TABLE_NOT_FOUND when it does not exist.
   */
  table?(name: string): Promise<TableSchema>;
  close(): Promise<void>;
}
