/** Conversions between the row representation of dates/timestamps (see dialects/source.ts) and text. */

const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

/**
 * `2024-04-01T10:15:00.123456`: always six fraction digits, so the strings sort as the instants do, and no
 * zone suffix — callers append `Z` for instants (timestamptz) and nothing for wall-clock timestamps, which
 * were never in UTC. Beyond ±275,760 years (JS Date's range) the value cannot be written as text.
 */
export function microsToIsoFixed(micros: bigint): string {
  // Years 1685–2255 (|µs| ≤ 2^53) in doubles and integer arithmetic: a Date, a toISOString() and two bigint
  // divisions per value were a sixth of a CSV export's CPU.
  if (micros >= -MAX_EXACT_MICROS && micros <= MAX_EXACT_MICROS) return exactMicrosToIso(Number(micros));
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

const MAX_EXACT_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

/** '00'…'99' */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

/** microsToIsoFixed for |µs| ≤ 2^53, where every year has four digits. */
function exactMicrosToIso(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  // Hinnant's civil_from_days, the inverse of daysFromCivil below.
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
  const hundredths = Math.floor(fraction / 10_000);
  const f = fraction - hundredths * 10_000;
  return (
    `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}` +
    `T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[rest - minutes * 60]}` +
    `.${TWO_DIGITS[hundredths]}${TWO_DIGITS[Math.floor(f / 100)]}${TWO_DIGITS[f % 100]}`
  );
}

export function daysToIsoDate(days: number): string {
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
