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
