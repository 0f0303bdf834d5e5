import { describe, expect, it } from 'vitest';
import { daysFromCivil } from '../../core/time.ts';
import type { Column } from '../../schemas/column.ts';
import {
  bitsToBigInt,
  conversionPlan,
  convertBatch,
  converterFor,
  mysqlDateTimeToMicros,
  mysqlDateToDays,
} from '../../dialects/mysql/values.ts';
import type { NativeColumn } from '../../dialects/mysql/types.ts';

const native = (dataType: string, extra: Partial<NativeColumn> = {}): NativeColumn => ({
  name: 'c',
  dataType,
  nativeType: dataType,
  unsigned: false,
  nullable: true,
  ...extra,
});
const column = (type: Column['type']): Column => ({ name: 'c', type });

describe('MySQL dates as days since the epoch', () => {
  it('agrees with Date.UTC wherever Date.UTC is right (years 100 and later)', () => {
    for (let days = daysFromCivil(100, 1, 1); days < daysFromCivil(10_000, 1, 1); days += 997) {
      const d = new Date(days * 86_400_000);
      expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
    }
  });

  const cases: [string, number | null | undefined][] = [
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['1001-01-01', -353_920],
    ['0001-01-01', -719_162], // Date.UTC(1, 0, 1) would say 1901
    ['0000-03-01', -719_468],
    ['2024-02-29', 19_782],
    ['9999-12-31', 2_932_896],
    ['0000-00-00', null], // MySQL's "no date"
    ['2024-00-10', undefined], // zero month (no NO_ZERO_IN_DATE)
    ['2024-05-00', undefined], // zero day
    ['2023-02-29', undefined], // no such day (ALLOW_INVALID_DATES)
    ['2024-13-01', undefined],
    ['garbage!!!', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${expected}`, () => expect(mysqlDateToDays(text)).toBe(expected));
  }
});

describe('MySQL DATETIME/TIMESTAMP text as microseconds', () => {
  const cases: [string, bigint | null | undefined][] = [
    ['1970-01-01 00:00:00', 0n],
    ['1970-01-01 00:00:00.000001', 1n],
    ['1969-12-31 23:59:59.999999', -1n],
    ['1970-01-01 00:00:01.5', 1_500_000n],
    ['2024-01-02 03:04:05.123456', 1_704_164_645_123_456n],
    ['9999-12-31 23:59:59.999999', 253_402_300_799_999_999n],
    ['0001-01-01 00:00:00', -62_135_596_800_000_000n],
    ['0000-00-00 00:00:00', null],
    ['2024-00-01 00:00:00', undefined],
    ['2024-01-01T00:00:00', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${expected}`, () => expect(mysqlDateTimeToMicros(text)).toBe(expected));
  }
});

describe('MySQL value converters', () => {
  it('BIT bytes are big-endian', () => {
    expect(bitsToBigInt(Uint8Array.of(0x0a, 0xaa))).toBe(2730n);
    expect(bitsToBigInt(new Uint8Array(8).fill(0xff))).toBe(2n ** 64n - 1n);
    expect(bitsToBigInt(new Uint8Array(0))).toBe(0n);
  });

  it('TINYINT(1) is 0 or 1; anything else is VALUE_UNREPRESENTABLE, not truthy', () => {
    const convert = converterFor(native('tinyint', { width: 1 }), column('boolean'))!;
    expect([convert(0), convert(1)]).toStrictEqual([false, true]);
    expect(() => convert(2)).toThrow(expect.objectContaining({ code: 'VALUE_UNREPRESENTABLE' }));
  });

  it('binary values are copied out of the socket buffer they arrive in', () => {
    const chunk = Buffer.from([1, 2, 3, 4, 5, 6]);
    const out = converterFor(native('blob'), column('binary'))!(chunk.subarray(2, 4)) as Uint8Array;
    expect(out).toStrictEqual(Uint8Array.of(3, 4));
    expect(out.buffer.byteLength).toBe(2);
  });

  it('BIGINT text and INT UNSIGNED numbers become bigint; DOUBLE text becomes the nearest double', () => {
    expect(converterFor(native('bigint'), column('int64'))!('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(converterFor(native('int', { unsigned: true }), column('int64'))!(4294967295)).toBe(4294967295n);
    expect(converterFor(native('double'), column('float64'))!('9999999999.999998')).toBe(9999999999.999998);
  });

  it('passes through what is already the row representation', () => {
    for (const [dataType, type] of [
      ['int', 'int32'],
      ['varchar', 'string'],
      ['decimal', 'decimal'],
      ['json', 'json'],
      ['uuid', 'uuid'],
    ] as const) {
      expect(converterFor(native(dataType), column(type))).toBeNull();
    }
  });

  it('converts a batch in place, column by column, leaving nulls alone', () => {
    const natives = [native('int'), native('bigint'), native('date')];
    const plan = conversionPlan(natives, [column('int32'), column('int64'), column('date')]);
    expect(plan.map(([i]) => i)).toStrictEqual([1, 2]);
    const batch = [
      [1, '10', '1970-01-02'],
      [null, null, '0000-00-00'],
    ];
    expect(convertBatch(batch, plan)).toStrictEqual([
      [1, 10n, 1],
      [null, null, null],
    ]);
  });

  it('names the column and the value when a date has no calendar day', () => {
    const convert = converterFor(native('date'), { name: 'born', type: 'date' })!;
    expect(() => convert('2024-02-30')).toThrow(
      expect.objectContaining({
        code: 'VALUE_UNREPRESENTABLE',
        details: { column: 'born', value: '2024-02-30' },
      }),
    );
  });
});
