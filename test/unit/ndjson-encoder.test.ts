import { describe, expect, it } from 'vitest';
import type { Column } from '../../schemas/column.ts';
import { ndjsonEncoder } from '../../encoders/ndjson/ndjson-transform.ts';
import { embedJsonText } from '../../encoders/ndjson/encode-json-row.ts';
import {
  ALL_BYTES,
  allTypes,
  allTypesRows,
  D38_MAX,
  D38_MIN,
  encode,
  numbered,
  numberedBatches,
  runAheadWhileStalled,
} from './row-encoder-cases.ts';

/** What JSON.parse must give back for each row of allTypesRows: the mapping documented in encode-json-row.ts. */
const expectedObjects: Record<string, unknown>[] = [
  {
    b: true,
    i32: 42,
    i64: '1234567890123',
    f64: 0.1,
    d9: '1234.50',
    d18: '-12.3400',
    d38: '0.0000000001',
    dany: '3.14159265358979323846264338327950288419716939937510',
    s: 'plain',
    bin: '3q2+7w==',
    day: '2024-04-01',
    ts: '2024-04-01T10:15:00.123456',
    tstz: '2024-04-01T10:15:00.000001Z',
    j: { a: [1, 2], big: 1.2345678901234568e29 }, // JSON.parse rounds; the bytes keep every digit (below)
    u: '6f1c5b7e-3b1a-4c1e-9f0e-1234567890ab',
  },
  {
    b: false,
    i32: -2147483648,
    i64: '-9223372036854775808',
    f64: -1.7976931348623157e308,
    d9: '-9999999.99',
    d18: '-99999999999999.9999',
    d38: D38_MIN,
    dany: '-0.000000000000000000000000000000000000000001',
    s: 'ünïcødé 東京 🚀 "quoted", comma\nnew line\r\n\ttab \\ backslash \u0000 nul',
    bin: Buffer.from(ALL_BYTES).toString('base64'),
    day: '1969-12-31',
    ts: '1969-12-31T23:59:59.999999',
    tstz: '0001-01-01T00:00:00.000000Z',
    j: [],
    u: '00000000-0000-0000-0000-000000000000',
  },
  {
    b: true,
    i32: 2147483647,
    i64: '9223372036854775807',
    f64: 5e-324,
    d9: '9999999.99',
    d18: '99999999999999.9999',
    d38: D38_MAX,
    dany: '1e+21',
    s: 'x'.repeat(10_000),
    bin: '',
    day: '0001-01-01',
    ts: '9999-12-31T23:59:59.999999',
    tstz: '1970-01-01T00:00:00.000000Z',
    j: 'a string',
    u: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  },
  Object.fromEntries(allTypes.map((c) => [c.name, null])),
  {
    b: false,
    i32: 0,
    i64: '0',
    f64: 0,
    d9: '0.00',
    d18: '0.0000',
    d38: '0.0000000000',
    dany: '0',
    s: '',
    bin: '',
    day: '1970-01-01',
    ts: '1970-01-01T00:00:00.000000',
    tstz: '1970-01-01T00:00:00.000000Z',
    j: {},
    u: '',
  },
];

function lines(text: string): string[] {
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

describe('ndjson encoder', () => {
  it('writes one JSON object per line for every logical type, read back by JSON.parse', async () => {
    const text = (await encode(ndjsonEncoder, allTypes, [allTypesRows])).toString('utf8');
    const parsed = lines(text).map((l) => JSON.parse(l) as unknown);
    expect(parsed).toEqual(expectedObjects);
    // Keys in column order, and base64 that decodes to every byte value.
    expect(Object.keys(parsed[0] as object)).toEqual(allTypes.map((c) => c.name));
    expect(Buffer.from((parsed[1] as { bin: string }).bin, 'base64')).toEqual(Buffer.from(ALL_BYTES));
  });

  it('keeps every digit of int64, decimal and numbers inside json values in the bytes', async () => {
    const text = (await encode(ndjsonEncoder, allTypes, [allTypesRows])).toString('utf8');
    expect(text).toContain('"i64":"-9223372036854775808"');
    expect(text).toContain(`"d38":"${D38_MIN}"`);
    // JSON.parse above rounds this number; the file itself has it verbatim, line break removed.
    expect(text).toContain('"j":{"a": [1,2], "big": 123456789012345678901234567890}');
  });

  const valueCases: { name: string; column: Column; value: unknown; json: string }[] = [
    { name: 'NaN as a string', column: { name: 'v', type: 'float64' }, value: NaN, json: '"NaN"' },
    { name: 'Infinity', column: { name: 'v', type: 'float64' }, value: Infinity, json: '"Infinity"' },
    { name: '-Infinity', column: { name: 'v', type: 'float64' }, value: -Infinity, json: '"-Infinity"' },
    { name: 'large float', column: { name: 'v', type: 'float64' }, value: 1e21, json: '1e+21' },
    { name: 'int64 as number input', column: { name: 'v', type: 'int64' }, value: 7, json: '"7"' },
    { name: 'undefined as NULL', column: { name: 'v', type: 'string' }, value: undefined, json: 'null' },
    {
      name: 'lone surrogate escaped',
      column: { name: 'v', type: 'string' },
      value: 'a\ud800b',
      json: '"a\\ud800b"',
    },
    { name: 'U+2028 kept raw', column: { name: 'v', type: 'string' }, value: 'a\u2028b', json: '"a\u2028b"' },
    {
      name: 'invalid json text as a string',
      column: { name: 'v', type: 'json' },
      value: '{oops',
      json: '"{oops"',
    },
    {
      name: 'json pretty-printed',
      column: { name: 'v', type: 'json' },
      value: '{\r\n  "a": 1\r\n}\n',
      json: '{"a": 1}',
    },
    {
      name: 'json as a parsed object',
      column: { name: 'v', type: 'json' },
      value: { a: [true] },
      json: '{"a":[true]}',
    },
    { name: 'json null literal', column: { name: 'v', type: 'json' }, value: 'null', json: 'null' },
    {
      name: 'date far in the past',
      column: { name: 'v', type: 'date' },
      value: -1_000_000,
      json: '"-000768-02-04"',
    },
    {
      name: 'timestamp before year 1',
      column: { name: 'v', type: 'timestamptz' },
      value: -62_198_755_200_000_001n,
      json: '"-000002-12-31T23:59:59.999999Z"',
    },
  ];
  for (const c of valueCases) {
    it(`maps ${c.name}`, async () => {
      const text = (await encode(ndjsonEncoder, [c.column], [[[c.value]]])).toString('utf8');
      expect(text).toBe(`{"v":${c.json}}\n`);
      JSON.parse(text);
    });
  }

  it('writes nothing for an empty result and keeps row order across many batches', async () => {
    expect((await encode(ndjsonEncoder, numbered, [])).length).toBe(0);
    expect((await encode(ndjsonEncoder, numbered, [[], []])).length).toBe(0);
    const text = (await encode(ndjsonEncoder, numbered, numberedBatches(50, 37))).toString('utf8');
    const ids = lines(text).map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(Array.from({ length: 50 * 37 }, (_, i) => String(i)));
  });

  it('refuses repeated column names instead of writing objects that lose one', () => {
    const columns: Column[] = [
      { name: 'id', type: 'int64' },
      { name: 'id', type: 'string' },
    ];
    expect(() => ndjsonEncoder.create(columns, {})).toThrowError(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
  });

  const mismatches: { type: Column['type']; value: unknown }[] = [
    { type: 'int64', value: '12' },
    { type: 'int64', value: 1.5 },
    { type: 'int32', value: 1n },
    { type: 'timestamp', value: 1 },
    { type: 'binary', value: 'abc' },
    { type: 'boolean', value: 1 },
    { type: 'string', value: new Uint8Array(1) },
  ];
  for (const m of mismatches) {
    it(`fails with VALUE_UNREPRESENTABLE for a ${typeof m.value} in a ${m.type} column`, async () => {
      await expect(encode(ndjsonEncoder, [{ name: 'v', type: m.type }], [[[m.value]]])).rejects.toMatchObject(
        {
          code: 'VALUE_UNREPRESENTABLE',
        },
      );
    });
  }

  it('holds the source back when the consumer stops reading', async () => {
    const r = await runAheadWhileStalled(ndjsonEncoder, {}, 2000, 50);
    expect(r.pulledWhileStalled).toBeLessThan(40);
    expect(r.total).toBe(2000);
    expect(r.bytes).toBeGreaterThan(2000 * 50 * 20);
  });

  it('fails with VALUE_UNREPRESENTABLE for a timestamp or date past what ISO text can hold', async () => {
    for (const [type, value] of [
      ['timestamptz', 9_000_000_000_000_000_000n],
      ['date', 200_000_000],
    ] as const) {
      await expect(encode(ndjsonEncoder, [{ name: 'v', type }], [[[value]]])).rejects.toMatchObject({
        code: 'VALUE_UNREPRESENTABLE',
        message: expect.stringContaining('column "v"'),
      });
    }
  });

  it('embeds json text trimmed, and only line breaks removed', () => {
    expect(embedJsonText(' [1, 2] ')).toBe('[1, 2]');
    expect(embedJsonText('{\n  "a": "x y"\n}')).toBe('{"a": "x y"}');
  });
});
