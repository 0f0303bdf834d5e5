import type { Column } from '../schemas/column.ts';

/**
 * One row as positional values, in column order. A value's JS type follows its column's logical type, so
 * encoders never sniff values:
 * - boolean → boolean; int32, float64 → number; int64 → bigint
 * - decimal → string (every digit kept); string, json, uuid → string; binary → Uint8Array
 * - date → number of days since 1970-01-01 (negative before)
 * - timestamp, timestamptz → bigint microseconds since 1970-01-01T00:00:00Z (JS Dates would drop the micros)
 * - null for SQL NULL, in any column
 */
export type Row = unknown[];
export type RowBatch = Row[];

/** What the dialect compiled: SQL text plus bound values, never concatenated. */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
}

/** A table export as the caller asked for it; the source resolves names against the real schema. */
export interface TableQuery {
  kind: 'table';
  table: string;
  columns?: string[];
}

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
}

export interface Source {
  readonly dialect: string;
  stream(query: Query, options?: StreamOptions): Promise<RowStream>;
  close(): Promise<void>;
}
