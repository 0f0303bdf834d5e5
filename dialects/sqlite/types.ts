import type { Column, LogicalType } from '../../schemas/column.ts';
import { isoDateToDays, isoToMicros } from '../../core/time.ts';

/**
 * SQLite stores values by affinity, not by declared type, so the declared type is a promise about what the
 * values mean and these converters keep it. Integers arrive as bigint (`safeIntegers`), so no int64 is ever
 * rounded through a double.
 */
export function columnFromDeclared(name: string, declared: string | null): Column {
  const nativeType = declared ?? '';
  const t = nativeType.toUpperCase();
  const decimal = /^(?:NUMERIC|DECIMAL)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(t);
  if (decimal) {
    return {
      name,
      type: 'decimal',
      nativeType,
      precision: Number(decimal[1]),
      scale: Number(decimal[2] ?? 0),
    };
  }
  return { name, type: logicalTypeOf(t), nativeType };
}

function logicalTypeOf(t: string): LogicalType {
  if (t === '') return 'string';
  if (t.startsWith('BOOL')) return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.includes('TIMESTAMP') || t.includes('DATETIME')) return 'timestamp';
  if (t.includes('INT')) return 'int64';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'string';
  if (t.includes('BLOB')) return 'binary';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'float64';
  if (t.includes('JSON')) return 'json';
  if (t.includes('NUMERIC') || t.includes('DECIMAL')) return 'decimal';
  return 'string';
}

/** For expression columns SQLite declares nothing; the first non-null value decides. */
export function logicalTypeOfValue(value: unknown): LogicalType {
  if (typeof value === 'bigint') return 'int64';
  if (typeof value === 'number') return 'float64';
  if (value instanceof Uint8Array) return 'binary';
  return 'string';
}

export type Converter = (value: unknown) => unknown;

const identity: Converter = (v) => v;

export function converterFor(type: LogicalType): Converter {
  switch (type) {
    case 'int64':
      return (v) => (typeof v === 'number' ? BigInt(Math.trunc(v)) : v);
    case 'float64':
      return (v) => (typeof v === 'bigint' ? Number(v) : v);
    case 'boolean':
      return (v) => (v === null ? null : Boolean(typeof v === 'bigint' ? Number(v) : v));
    case 'decimal':
    case 'string':
    case 'json':
    case 'uuid':
      return (v) => (v === null || typeof v === 'string' ? v : v instanceof Uint8Array ? v : String(v));
    case 'date':
      return (v) => (typeof v === 'string' ? isoDateToDays(v) : v === null ? null : Number(v));
    case 'timestamp':
    case 'timestamptz':
      // Text is ISO-8601; a number is taken as Unix seconds, as SQLite's own unixepoch() returns.
      return (v) =>
        typeof v === 'string'
          ? isoToMicros(v)
          : typeof v === 'bigint'
            ? v * 1_000_000n
            : v === null
              ? null
              : v;
    default:
      return identity;
  }
}
