/**
 * One row as positional values, in column order. A value's JS type follows its column's logical type
 * (schemas/column.ts), so encoders never sniff values:
 * - boolean → boolean; int32, float64 → number; int64 → bigint
 * - decimal → string (every digit kept); string, json, uuid → string; binary → Uint8Array
 * - date → number of days since 1970-01-01 (negative before)
 * - timestamp, timestamptz → bigint microseconds since 1970-01-01T00:00:00Z (JS Dates would drop the micros)
 * - null for SQL NULL, in any column
 *
 * Sources produce rows and encoders consume them; neither owns the shape, so it lives here, below both.
 */
export type Row = unknown[];
export type RowBatch = Row[];
