import { describe, expect, it } from 'vitest';
import { daysFromCivil } from '../../core/time.ts';
import {
  createDateConverter,
  createTimestampConverter,
  createTimestamptzConverter,
  toBigInt,
  toBoolean,
  toBytes,
  toInt32,
  toNumber,
} from '../../dialects/postgres/text-values.ts';

// Expected values computed by PostgreSQL 15 itself: `d - date '1970-01-01'` and `extract(epoch …) * 1e6`.
describe('PostgreSQL date text → days since 1970-01-01', () => {
  const toDays = createDateConverter('d');
  for (const [text, days] of [
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['0001-01-01', -719162],
    ['0001-12-31 BC', -719163],
    ['0099-12-31', -683004],
    ['1600-02-29', -135081],
    ['4713-01-01 BC', -2440550],
    ['5874897-12-31', 2145042905],
  ] as const) {
    it(`${text} → ${days}`, () => expect(toDays(text)).toBe(days));
  }

  it('matches Date.UTC wherever Date.UTC is right (years 100..9999)', () => {
    for (let y = 100; y < 10_000; y += 37) {
      for (const [m, d] of [
        [1, 1],
        [2, 28],
        [3, 1],
        [12, 31],
      ] as const) {
        expect(daysFromCivil(y, m, d)).toBe(Date.UTC(y, m - 1, d) / 86_400_000);
      }
    }
  });

  it('refuses ±infinity, naming the column', () => {
    for (const text of ['infinity', '-infinity']) {
      expect(() => toDays(text)).toThrow(expect.objectContaining({ code: 'VALUE_UNREPRESENTABLE' }));
      expect(() => toDays(text)).toThrow(/"d"/);
    }
  });

  it('refuses text that is not a date', () => {
    for (const text of ['', '2024', '2024-1-01', '2024-13-01', '2024-01-01 AD', 'yesterday']) {
      expect(() => toDays(text)).toThrow(expect.objectContaining({ code: 'VALUE_UNREPRESENTABLE' }));
    }
  });
});

describe('PostgreSQL timestamp text → bigint microseconds', () => {
  const ts = createTimestampConverter('ts');
  const tstz = createTimestamptzConverter('tstz');
  for (const [text, micros] of [
    ['1970-01-01 00:00:00', 0n],
    ['1900-01-01 00:00:00.000001', -2208988799999999n],
    ['0044-03-15 12:00:00.5 BC', -63517780799500000n],
    ['4713-01-01 00:00:00 BC', -210863520000000000n],
    ['2024-04-01 10:15:00.123456', 1711966500123456n],
    ['2024-04-01 10:15:00.12', 1711966500120000n],
    // Beyond ±285 years the arithmetic switches to bigint; both sides of the switch must agree.
    ['2255-03-14 15:59:59.999999', 8_999_999_999_999_999n],
    ['2255-03-14 16:00:00.000001', 9_000_000_000_000_001n],
    ['1684-10-19 08:00:00.000001', -8_999_999_999_999_999n],
    ['294276-12-31 23:59:59.999999', BigInt(daysFromCivil(294276, 12, 31) + 1) * 86_400_000_000n - 1n],
  ] as const) {
    it(`timestamp ${text} → ${micros}`, () => expect(ts(text)).toBe(micros));
  }
  for (const [text, micros] of [
    ['1969-12-31 23:59:59.999999+00', -1n],
    ['2024-04-01 12:15:00.5+02', 1711966500500000n],
    ['2024-04-01 04:45:00.5-05:30', 1711966500500000n],
    ['1900-01-01 05:21:10+05:21:10', -2208988800000000n],
    ['0044-03-15 12:00:00.5+00 BC', -63517780799500000n],
  ] as const) {
    it(`timestamptz ${text} → ${micros}`, () => expect(tstz(text)).toBe(micros));
  }

  it('refuses ±infinity and malformed text with the column name', () => {
    for (const [convert, text] of [
      [ts, 'infinity'],
      [tstz, '-infinity'],
      [ts, '2024-04-01 10:15'],
      [ts, '2024-04-01 10:15:00+00'],
      [tstz, '2024-04-01 10:15:00'],
    ] as const) {
      expect(() => convert(text)).toThrow(expect.objectContaining({ code: 'VALUE_UNREPRESENTABLE' }));
    }
  });
});

describe('PostgreSQL scalar text → values', () => {
  it('integers', () => {
    expect(toInt32('0')).toBe(0);
    expect(toInt32('-2147483648')).toBe(-2147483648);
    expect(toInt32('32767')).toBe(32767);
    expect(toBigInt('9223372036854775807')).toBe(9223372036854775807n);
    expect(toBigInt('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(toBigInt('-99999999999999')).toBe(-99999999999999n);
    expect(toBigInt('999999999999999')).toBe(999999999999999n);
    expect(toBigInt('9007199254740993')).toBe(9007199254740993n);
  });

  it('floats, specials included, exactly', () => {
    expect(toNumber('5e-324')).toBe(5e-324);
    expect(toNumber('1.7976931348623157e+308')).toBe(1.7976931348623157e308);
    expect(toNumber('NaN')).toBeNaN();
    expect(toNumber('Infinity')).toBe(Infinity);
    expect(toNumber('-Infinity')).toBe(-Infinity);
    expect(Object.is(toNumber('-0'), -0)).toBe(true);
  });

  it('booleans', () => {
    expect(toBoolean('t')).toBe(true);
    expect(toBoolean('f')).toBe(false);
  });

  it('bytea hex → a Uint8Array of its own', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const bytes = toBytes(`\\x${all.toString('hex')}`) as Uint8Array;
    expect(bytes.constructor).toBe(Uint8Array);
    expect(Buffer.from(bytes).equals(all)).toBe(true);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(256);
    expect(toBytes('\\x')).toEqual(new Uint8Array(0));
    expect(() => toBytes('\\x0g')).toThrow(expect.objectContaining({ code: 'VALUE_UNREPRESENTABLE' }));
  });
});
