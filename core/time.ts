/** Conversions between the row representation of dates/timestamps (see dialects/source.ts) and text. */

const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

/** `2024-04-01T10:15:00.123456Z` style, always UTC, fraction trimmed to what is non-zero. */
export function microsToIso(micros: bigint): string {
  let ms = micros / MICROS_PER_MS;
  let rest = micros % MICROS_PER_MS;
  if (rest < 0n) {
    // Floor division: -1µs is 1969-12-31T23:59:59.999999Z, not 1970-01-01T00:00:00.000-001.
    rest += MICROS_PER_MS;
    ms -= 1n;
  }
  const iso = new Date(Number(ms)).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  const fraction = (iso.slice(20, 23) + String(rest).padStart(3, '0')).replace(/0+$/, '');
  return fraction ? `${iso.slice(0, 19)}.${fraction}Z` : `${iso.slice(0, 19)}Z`;
}

export function daysToIsoDate(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

const ISO_DATE = /^(-?\d{4,6})-(\d{2})-(\d{2})$/;

export function isoDateToDays(text: string): number {
  const m = ISO_DATE.exec(text);
  if (!m) throw new RangeError(`not an ISO date: ${JSON.stringify(text)}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / MS_PER_DAY;
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
