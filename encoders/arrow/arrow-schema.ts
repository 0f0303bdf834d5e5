import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float64,
  Int32,
  Int64,
  Schema,
  TimestampMicrosecond,
  Utf8,
  type DataType,
} from 'apache-arrow';
import type { Column } from '../../schemas/column.ts';

/** Decimal128 holds 38 digits; wider decimals (PostgreSQL's bare `numeric` has up to 131,072) stay text. */
export const MAX_DECIMAL128_PRECISION = 38;

/**
 * Arrow types for our logical types, shared by the `arrow` and `parquet` encoders (the Parquet writer maps
 * Arrow to Parquet: Decimal128(p,s) → DECIMAL(p,s) on INT32/INT64/FIXED_LEN_BYTE_ARRAY by precision,
 * Timestamp(µs, UTC) → TIMESTAMP(MICROS, isAdjustedToUTC=true), no zone → false, DateDay → DATE).
 *
 * - A decimal is Decimal128(precision, scale) when the source declared 1 ≤ precision ≤ 38 and
 *   0 ≤ scale ≤ precision; otherwise (unconstrained `numeric`, or wider) it is Utf8 with its exact digits.
 * - json and uuid are Utf8; the field metadata `sluice.type` keeps which logical type a Utf8 field was.
 * - No dictionary encoding: a stream whose dictionaries change per batch needs delta or replacement
 *   dictionary messages, which readers handle unevenly (BASELINES.md: per-batch dictionaries truncated a
 *   stream). Parquet's writer builds its own dictionaries per column chunk anyway.
 * - Every field is nullable, whatever the source said: a single NULL in a field declared non-nullable makes
 *   the file invalid, and sources do not all know nullability of expressions.
 */
export function arrowSchemaFor(columns: Column[]): Schema {
  return new Schema(
    columns.map((column) => {
      const metadata = new Map<string, string>([['sluice.type', column.type]]);
      if (column.nativeType) metadata.set('sluice.native_type', column.nativeType);
      return new Field(column.name, arrowTypeFor(column), true, metadata);
    }),
  );
}

export function arrowTypeFor(column: Column): DataType {
  switch (column.type) {
    case 'boolean':
      return new Bool();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float64':
      return new Float64();
    case 'decimal':
      return isDecimal128(column) ? new Decimal(column.scale ?? 0, column.precision!, 128) : new Utf8();
    case 'binary':
      return new Binary();
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new TimestampMicrosecond();
    case 'timestamptz':
      return new TimestampMicrosecond('UTC');
    case 'string':
    case 'json':
    case 'uuid':
      return new Utf8();
    default:
      return assertNever(column.type);
  }
}

export function isDecimal128(column: Column): boolean {
  const { precision, scale = 0 } = column;
  return (
    precision !== undefined &&
    Number.isInteger(precision) &&
    Number.isInteger(scale) &&
    precision >= 1 &&
    precision <= MAX_DECIMAL128_PRECISION &&
    scale >= 0 &&
    scale <= precision
  );
}

function assertNever(type: never): never {
  throw new Error(`unhandled logical type ${String(type)}`);
}
