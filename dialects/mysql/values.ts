import type { Column } from '../../schemas/column.ts';
import { daysFromCivil } from '../../core/time.ts';
import { SluiceError } from '../../core/errors.ts';
import type { RowBatch } from '../source.ts';
import type { NativeColumn } from './types.ts';

/**
 * Turns what mysql2 hands over for one non-null value into the row representation of dialects/source.ts.
 * With the connection options of session.ts, mysql2 hands over: numbers for TINYINT…INT and YEAR; text for
 * BIGINT, DECIMAL, FLOAT/DOUBLE (read raw, see session.ts), dates and times; Buffers for binary strings,
 * BIT, geometry and VECTOR; strings for the rest. Nothing has been through a double or a JS Date.
 */
export type Converter = (raw: unknown) => unknown;

/** A converter per column that needs one, chosen once per result; columns passed through are left out. */
export type ConversionPlan = [index: number, convert: Converter][];

export function conversionPlan(natives: NativeColumn[], columns: Column[]): ConversionPlan {
  const plan: ConversionPlan = [];
  natives.forEach((native, i) => {
    const convert = converterFor(native, columns[i]!);
    if (convert) plan.push([i, convert]);
  });
  return plan;
}

/** Converts in place; a converter may yield null (the zero date). */
export function convertBatch(batch: RowBatch, plan: ConversionPlan): RowBatch {
  const n = plan.length;
  if (n === 0) return batch;
  // Index loops: no iterator or destructuring per value on the hot path.
  for (let p = 0; p < n; p++) {
    const [i, convert] = plan[p]!;
    for (let r = 0; r < batch.length; r++) {
      const row = batch[r]!;
      const raw = row[i];
      if (raw !== null) row[i] = convert(raw);
    }
  }
  return batch;
}

/** null when the value mysql2 produced is already the row representation. */
export function converterFor(native: NativeColumn, column: Column): Converter | null {
  const { dataType } = native;
  const name = column.name;
  switch (column.type) {
    case 'boolean':
      return dataType === 'bit' ? (v) => (v as Uint8Array)[0] === 1 : booleanFromTinyint(name);
    case 'int64':
      // BIGINT arrives as text, INT UNSIGNED as a number (it fits a double exactly), BIT(n) as big-endian bytes.
      return dataType === 'bit' ? (v) => bitsToBigInt(v as Uint8Array) : (v) => BigInt(v as string | number);
    case 'decimal':
      return dataType === 'bit' ? (v) => bitsToBigInt(v as Uint8Array).toString() : null;
    case 'float64':
      return (v) => Number(v);
    case 'binary':
      // A copy: mysql2's Buffer is a view into a 64 KiB socket chunk, which a small value would keep alive.
      return (v) => new Uint8Array(v as Uint8Array);
    case 'date':
      return (v) => checked(name, v as string, mysqlDateToDays(v as string));
    case 'timestamp':
    case 'timestamptz':
      // TIMESTAMP text is UTC because the session's time_zone is '+00:00'; DATETIME has no zone at all.
      return (v) => checked(name, v as string, mysqlDateTimeToMicros(v as string));
    default:
      return null;
  }
}

function booleanFromTinyint(name: string): Converter {
  return (v) => {
    if (v === 1) return true;
    if (v === 0) return false;
    // TINYINT(1) is how MySQL spells BOOLEAN, but it holds -128…127; a 2 is data, not a truthy flag.
    throw unrepresentable(name, v, 'boolean (TINYINT(1)) holds neither 0 nor 1; CAST it to SIGNED in SQL');
  };
}

function checked<T>(name: string, text: string, value: T | undefined): T {
  if (value === undefined) {
    throw unrepresentable(name, text, 'a date with a zero month or day, or no such day');
  }
  return value;
}

function unrepresentable(column: string, value: unknown, why: string): SluiceError {
  return new SluiceError(
    'VALUE_UNREPRESENTABLE',
    `column ${JSON.stringify(column)}: ${String(value)} is ${why}`,
    {
      details: { column, value: String(value) },
    },
  );
}

export function bitsToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * `YYYY-MM-DD` → days since 1970-01-01 (negative before). null for MySQL's zero date `0000-00-00`, the
 * conventional "no date"; undefined for what no calendar has: a zero month or day (`2024-00-10`, allowed
 * without NO_ZERO_IN_DATE) or a day past the month's end (allowed with ALLOW_INVALID_DATES).
 */
export function mysqlDateToDays(text: string): number | null | undefined {
  if (text.length < 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year === 0 && month === 0 && day === 0) return null;
  if (Number.isNaN(year) || !(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) {
    return undefined;
  }
  return daysFromCivil(year, month, day);
}

/**
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` → microseconds since the epoch, read as UTC. Same null/undefined rules as
 * `mysqlDateToDays` for the date part.
 */
export function mysqlDateTimeToMicros(text: string): bigint | null | undefined {
  const days = mysqlDateToDays(text);
  if (days === null || days === undefined) return days;
  if (text.length < 19 || text.charCodeAt(10) !== SPACE) return undefined;
  const seconds =
    days * 86_400 + digits(text, 11, 13) * 3600 + digits(text, 14, 16) * 60 + digits(text, 17, 19);
  if (Number.isNaN(seconds)) return undefined;
  let micros = 0;
  if (text.length > 20) {
    const end = Math.min(text.length, 26);
    micros = digits(text, 20, end) * 10 ** (26 - end);
    if (Number.isNaN(micros)) return undefined;
  }
  // Seconds fit a double exactly (|s| < 2^38); their product with 10^6 only for years 1685–2255, beyond
  // which the sum is done in bigints (one allocation per value instead of three inside that range).
  const exact = seconds * 1_000_000 + micros;
  if (Number.isSafeInteger(exact)) return BigInt(exact);
  return BigInt(seconds) * 1_000_000n + BigInt(micros);
}

const DASH = 45;
const SPACE = 32;

/** The decimal number in text[start, end), NaN if anything there is not a digit. */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
