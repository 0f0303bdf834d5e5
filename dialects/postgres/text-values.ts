import { SluiceError } from '../../core/errors.ts';
import { daysFromCivil } from '../../core/time.ts';

/**
 * PostgreSQL's text output of one non-NULL value → its row value (see the Row doc in dialects/source.ts).
 * COPY text and the cursor path both deliver exactly this text (the session pins TimeZone=UTC,
 * DateStyle=ISO/YMD, IntervalStyle, extra_float_digits and bytea_output), so one converter per column serves
 * both. Converters are chosen once per column; none of them switches on the type per value.
 */
export type TextConverter = (text: string) => unknown;

export const asText: TextConverter = (text) => text;

// Number() reads every float8 output form exactly: shortest round-trip digits (extra_float_digits ≥ 1),
// "NaN", "Infinity", "-Infinity" and "-0". A float4 arrives as its own shortest digits ("0.1"), so the
// number is the nearest double to what PostgreSQL printed, and Math.fround() of it is the stored float4.
export const toNumber: TextConverter = (text) => Number(text);

/** int2/int4: a digit loop is about twice as fast as Number() on short strings. */
export const toInt32: TextConverter = (text) => parseInteger(text);

// Up to 15 characters (sign included) is below 2^53, so the digits are exact in a double and one
// BigInt(number) is cheaper than BigInt(string); longer values take the exact string path.
export const toBigInt: TextConverter = (text) =>
  text.length <= 15 ? BigInt(parseInteger(text)) : BigInt(text);

function parseInteger(text: string): number {
  const len = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i === len) return Number(text);
  let n = 0;
  for (; i < len; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number(text);
    n = n * 10 + d;
  }
  return text.charCodeAt(0) === 45 ? -n : n;
}

export const toBoolean: TextConverter = (text) => text === 't';

/** `\x0aff…` (bytea_output=hex) → a Uint8Array of its own, not a view into a shared pool slab. */
export const toBytes: TextConverter = (text) => {
  const n = (text.length - 2) >>> 1;
  const bytes = new Uint8Array(n);
  if (n > 0) {
    const written = Buffer.from(bytes.buffer, 0, n).write(text.slice(2), 'hex');
    if (written !== n || text.charCodeAt(0) !== 92 || text.charCodeAt(1) !== 120) {
      throw new SluiceError('VALUE_UNREPRESENTABLE', `bytea value is not in hex output format`);
    }
  }
  return bytes;
};

// Below this many seconds from the epoch (±285 years) seconds × 1e6 + fraction stays an exact double, so
// one BigInt() conversion suffices; further out the arithmetic is done in bigint.
const SAFE_SECONDS = 9_000_000_000;

/** `YYYY-MM-DD[ BC]` (years may have 5+ digits) → days since 1970-01-01, proleptic Gregorian. */
export function createDateConverter(column: string): TextConverter {
  return (text) => {
    const p = parseDate(text, column);
    if (p.end !== text.length && !(text.length === p.end + 3 && text.endsWith(' BC'))) {
      throw malformed(column, 'date', text);
    }
    return daysFromCivil(text.length === p.end ? p.year : 1 - p.year, p.month, p.day);
  };
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff][ BC]`, read as UTC → bigint microseconds since the epoch. */
export function createTimestampConverter(column: string): TextConverter {
  return (text) => parseTimestamp(text, column, false);
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]][ BC]` → bigint microseconds since the epoch, UTC. */
export function createTimestamptzConverter(column: string): TextConverter {
  return (text) => parseTimestamp(text, column, true);
}

interface DatePart {
  year: number;
  month: number;
  day: number;
  /** Index just after the day digits. */
  end: number;
}

function parseDate(text: string, column: string): DatePart {
  let i = 0;
  let year = 0;
  let c = text.charCodeAt(0);
  // PostgreSQL prints years without a sign; "infinity" and "-infinity" fail here.
  while (c >= 48 && c <= 57) {
    year = year * 10 + (c - 48);
    c = text.charCodeAt(++i);
  }
  if (i < 4 || c !== 45 || text.charCodeAt(i + 3) !== 45) {
    if (text === 'infinity' || text === '-infinity') throw infinite(column, text);
    throw malformed(column, 'date', text);
  }
  const month = digits2(text, i + 1);
  const day = digits2(text, i + 4);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) throw malformed(column, 'date', text);
  return { year, month, day, end: i + 6 };
}

function parseTimestamp(text: string, column: string, withZone: boolean): bigint {
  const d = parseDate(text, column);
  let i = d.end;
  if (text.charCodeAt(i) !== 32 || text.charCodeAt(i + 3) !== 58 || text.charCodeAt(i + 6) !== 58) {
    throw malformed(column, 'timestamp', text);
  }
  const hh = digits2(text, i + 1);
  const mi = digits2(text, i + 4);
  const ss = digits2(text, i + 7);
  i += 9;
  let micros = 0;
  if (text.charCodeAt(i) === 46) {
    // Fraction: 1..6 digits, scaled to microseconds.
    let scale = 100_000;
    let c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      micros += (c - 48) * scale;
      scale /= 10;
      c = text.charCodeAt(++i);
    }
  }
  let offsetSeconds = 0;
  if (withZone) {
    const sign = text.charCodeAt(i);
    if (sign !== 43 && sign !== 45) throw malformed(column, 'timestamptz', text);
    offsetSeconds = digits2(text, i + 1) * 3600;
    i += 3;
    if (text.charCodeAt(i) === 58) {
      offsetSeconds += digits2(text, i + 1) * 60;
      i += 3;
      if (text.charCodeAt(i) === 58) {
        offsetSeconds += digits2(text, i + 1);
        i += 3;
      }
    }
    if (sign === 45) offsetSeconds = -offsetSeconds;
  }
  let year = d.year;
  if (i !== text.length) {
    if (text.length !== i + 3 || !text.endsWith(' BC')) throw malformed(column, 'timestamp', text);
    year = 1 - year;
  }
  if (!(hh <= 24 && mi <= 59 && ss <= 60)) throw malformed(column, 'timestamp', text);
  const seconds = daysFromCivil(year, d.month, d.day) * 86_400 + hh * 3600 + mi * 60 + ss - offsetSeconds;
  if (seconds < SAFE_SECONDS && seconds > -SAFE_SECONDS) return BigInt(seconds * 1_000_000 + micros);
  return BigInt(seconds) * 1_000_000n + BigInt(micros);
}

function digits2(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + (text.charCodeAt(at + 1) - 48);
}

/**
 * ±infinity has no place in days or microseconds since the epoch: any sentinel would be a real instant to
 * every reader (and breaks date formatting downstream). Failing names the column so the query can map it.
 */
function infinite(column: string, text: string): SluiceError {
  return new SluiceError(
    'VALUE_UNREPRESENTABLE',
    `column ${JSON.stringify(column)} holds ${text}, which no date/timestamp value can represent; ` +
      `cast it to text or map it (e.g. NULLIF(col, 'infinity')) in the query`,
    { details: { column, value: text } },
  );
}

function malformed(column: string, kind: string, text: string): SluiceError {
  return new SluiceError(
    'VALUE_UNREPRESENTABLE',
    `column ${JSON.stringify(column)}: unexpected ${kind} text ${JSON.stringify(text.slice(0, 64))}`,
    { details: { column, value: text.slice(0, 64) } },
  );
}
