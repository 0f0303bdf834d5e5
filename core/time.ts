/** Conversions between the row representation of dates/timestamps (see dialects/source.ts) and text. */

const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

/**
 * `2024-04-01T10:15:00.123456`: always six fraction digits, so the strings sort as the instants do, and no
 * zone suffix — callers append `Z` for instants (timestamptz) and nothing for wall-clock timestamps, which
 * were never in UTC. Beyond ±275,760 years (JS Date's range) the value cannot be written as text.
 */
export function microsToIsoFixed(micros: bigint): string {
  // Years 1970 ± 285 (|µs| < 2^53) are exact as a double: format them with integer arithmetic, which is
  // several times faster than bigint division, a Date and toISOString() per value (exports write millions).
  if (micros > -FAST_LIMIT_MICROS && micros < FAST_LIMIT_MICROS) return fastMicrosToIso(Number(micros));
  let ms = micros / MICROS_PER_MS;
  let rest = micros % MICROS_PER_MS;
  if (rest < 0n) {
    // Floor division: -1µs is 1969-12-31T23:59:59.999999, not 1970-01-01T00:00:00.000-001.
    rest += MICROS_PER_MS;
    ms -= 1n;
  }
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) throw new RangeError(`timestamp ${micros}µs is outside ±275,760 years`);
  return `${date.toISOString().slice(0, -1)}${String(rest).padStart(3, '0')}`;
}

// |µs| below this is exact as a double and within years 1685–2254, so the fast path never sees a
// year outside 0–9999 (the expanded ISO form is left to Date).
const FAST_LIMIT_MICROS = 2n ** 53n;
const MICROS_PER_DAY = 86_400_000_000;

/** Two-digit strings 00–99, so a date-time is a handful of concatenations. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

function fastMicrosToIso(micros: number): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  let rest = micros - days * MICROS_PER_DAY; // 0 ≤ rest < 86,400,000,000
  const fraction = rest % 1_000_000;
  rest = (rest - fraction) / 1_000_000;
  const ss = rest % 60;
  rest = (rest - ss) / 60;
  const mi = rest % 60;
  const hh = (rest - mi) / 60;
  return (
    civilDate(days) +
    'T' +
    TWO_DIGITS[hh]! +
    ':' +
    TWO_DIGITS[mi]! +
    ':' +
    TWO_DIGITS[ss]! +
    '.' +
    String(1_000_000 + fraction).slice(1)
  );
}

/**
 * `YYYY-MM-DD` for days since 1970-01-01, years 0–9999 only (Howard Hinnant's civil_from_days, the inverse
 * of daysFromCivil below).
 */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return String(year).padStart(4, '0') + '-' + TWO_DIGITS[month]! + '-' + TWO_DIGITS[day]!;
}

export function daysToIsoDate(days: number): string {
  // Years 0–9999 (±2.9M days around 1970 is well inside them) without a Date per value.
  if (days > -700_000 && days < 2_900_000) return civilDate(days);
  const date = new Date(days * MS_PER_DAY);
  if (Number.isNaN(date.getTime()))
    throw new RangeError(`date ${days} days from 1970 is outside ±275,760 years`);
  const iso = date.toISOString(); // expanded years (-000768, +010000) are longer than four digits
  return iso.slice(0, iso.indexOf('T'));
}

const ISO_DATE = /^(-?\d{4,6})-(\d{2})-(\d{2})$/;

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, year astronomical (1 BC = 0). Pure integer
 * arithmetic (Howard Hinnant's days_from_civil): unlike Date.UTC it has no special case for years 0–99 and
 * no ±275k-year limit.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function isoDateToDays(text: string): number {
  const m = ISO_DATE.exec(text);
  if (!m) throw new RangeError(`not an ISO date: ${JSON.stringify(text)}`);
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

// Date-time with optional fraction (up to 9 digits) and optional zone; no zone means UTC.
const ISO_TS =
  /^(-?\d{4,6}-\d{2}-\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function isoToMicros(text: string): bigint {
  const m = ISO_TS.exec(text.trim());
  if (!m) throw new RangeError(`not an ISO timestamp: ${JSON.stringify(text)}`);
  const [, date, hh, mi, ss, frac = '', zone = 'Z'] = m;
  const days = isoDateToDays(date!);
  const seconds = days * 86_400 + Number(hh) * 3600 + Number(mi) * 60 + Number(ss);
  const micros = BigInt(seconds) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6));
  return micros - BigInt(zoneOffsetSeconds(zone)) * 1_000_000n;
}

function zoneOffsetSeconds(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60);
}
