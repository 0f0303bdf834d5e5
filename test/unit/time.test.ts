import { describe, expect, it } from 'vitest';
import { daysToIsoDate, isoDateToDays, isoToMicros, microsToIsoFixed } from '../../core/time.ts';

describe('timestamps as bigint microseconds', () => {
  const cases: [string, bigint, string][] = [
    ['1970-01-01T00:00:00Z', 0n, '1970-01-01T00:00:00.000000Z'],
    ['1969-12-31T23:59:59.999999Z', -1n, '1969-12-31T23:59:59.999999Z'],
    ['2024-04-01T10:15:00.123456Z', 1711966500123456n, '2024-04-01T10:15:00.123456Z'],
    ['2024-04-01 12:15:00.5+02:00', 1711966500500000n, '2024-04-01T10:15:00.500000Z'],
    ['1900-01-01T00:00:00-05:30', -2208969000000000n, '1900-01-01T05:30:00.000000Z'],
  ];
  for (const [text, micros, iso] of cases) {
    it(`${text} ⇄ ${micros}`, () => {
      expect(isoToMicros(text)).toBe(micros);
      expect(`${microsToIsoFixed(micros)}Z`).toBe(iso);
    });
  }

  it('the integer fast path (|µs| ≤ 2^53) and the Date path agree on both sides of their border', () => {
    // 2^53 µs is 2255-06-05T23:47:34.740992; one past it goes through the Date path.
    const edge = BigInt(Number.MAX_SAFE_INTEGER);
    expect(microsToIsoFixed(edge)).toBe('2255-06-05T23:47:34.740991');
    expect(microsToIsoFixed(edge + 1n)).toBe('2255-06-05T23:47:34.740992');
    expect(microsToIsoFixed(-edge)).toBe('1684-07-28T00:12:25.259009');
    expect(microsToIsoFixed(-edge - 1n)).toBe('1684-07-28T00:12:25.259008');
    // Month and leap-day ends, before and after the epoch.
    expect(microsToIsoFixed(isoToMicros('2000-02-29T23:59:59.999999Z'))).toBe('2000-02-29T23:59:59.999999');
    expect(microsToIsoFixed(isoToMicros('1900-03-01T00:00:00Z'))).toBe('1900-03-01T00:00:00.000000');
    expect(microsToIsoFixed(isoToMicros('1969-12-31T00:00:00.000001Z'))).toBe('1969-12-31T00:00:00.000001');
  });

  it('rejects text that is not a timestamp', () => {
    expect(() => isoToMicros('yesterday')).toThrow(RangeError);
  });
});

describe('dates as days since the epoch', () => {
  for (const [text, days] of [
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['1900-03-01', -25508],
    ['2024-02-29', 19782],
    ['0044-03-15', -703383],
    ['0001-01-01', -719162],
  ] as const) {
    it(`${text} ⇄ ${days}`, () => {
      expect(isoDateToDays(text)).toBe(days);
      expect(daysToIsoDate(days)).toBe(text);
    });
  }
});

describe('the integer-arithmetic fast paths agree with Date', () => {
  // The reference is what core/time.ts did before its fast paths: bigint division, a Date, toISOString.
  const viaDate = (micros: bigint): string => {
    let ms = micros / 1000n;
    let rest = micros % 1000n;
    if (rest < 0n) {
      rest += 1000n;
      ms -= 1n;
    }
    return new Date(Number(ms)).toISOString().slice(0, -1) + String(rest).padStart(3, '0');
  };
  const dateViaDate = (days: number): string => {
    const iso = new Date(days * 86_400_000).toISOString();
    return iso.slice(0, iso.indexOf('T'));
  };

  it('timestamps across the fast range, its edges and just outside it', () => {
    const edge = 2n ** 53n;
    const values = [0n, -1n, 1n, edge - 1n, -(edge - 1n), edge, -edge, edge + 1n, -86_400_000_000n];
    // A fixed stride through ±2^53 µs (years 1685–2254) hits every month, leap day and time of day.
    for (let v = -(edge - 1n); v < edge; v += 7_777_777_777_777n) values.push(v, v + 999_999n);
    for (const v of values) expect(microsToIsoFixed(v), String(v)).toBe(viaDate(v));
  });

  it('dates from year 1 to 9999 and past the fast range', () => {
    for (let d = -719_162; d <= 2_932_896; d += 997) expect(daysToIsoDate(d), String(d)).toBe(dateViaDate(d));
    for (const d of [-719_163, -800_000, 2_900_000, 2_932_896, 3_000_000]) {
      expect(daysToIsoDate(d), String(d)).toBe(dateViaDate(d));
    }
  });
});
