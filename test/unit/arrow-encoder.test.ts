import { RecordBatchStreamReader, TimeUnit, Type, tableFromIPC, type Table, type Vector } from 'apache-arrow';
import { Table as RustArrowTable } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../schemas/column.ts';
import { arrowEncoder } from '../../encoders/arrow/arrow-transform.ts';
import { decimalToUnscaled } from '../../encoders/arrow/record-batch-builder.ts';
import {
  ALL_BYTES,
  allTypes,
  allTypesRows,
  encode,
  numbered,
  numberedBatches,
  runAheadWhileStalled,
} from './row-encoder-cases.ts';

/** Row `i` of a column as its raw stored value: bigint for 64-bit, the unscaled bigint for Decimal128. */
function raw(vector: Vector, i: number): unknown {
  let row = i;
  for (const data of vector.data) {
    if (row >= data.length) {
      row -= data.length;
      continue;
    }
    if (!data.getValid(row)) return null;
    if (data.typeId === Type.Decimal) {
      const w = data.values as Uint32Array;
      const at = 4 * (data.offset + row);
      let v = 0n;
      for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(w[at + k]!);
      return BigInt.asIntN(128, v);
    }
    if (data.typeId === Type.Timestamp || data.typeId === Type.Int) {
      return (data.values as BigInt64Array | Int32Array)[data.offset + row];
    }
    if (data.typeId === Type.Date) return (data.values as Int32Array)[data.offset + row];
    return vector.get(i);
  }
  throw new Error(`row ${i} out of range`);
}

function unscaledOf(text: string | null, scale: number): bigint | null {
  return text === null ? null : decimalToUnscaled(text, 38, scale);
}

function readAll(bytes: Buffer): Table {
  return tableFromIPC(bytes);
}

describe('arrow encoder', () => {
  it('writes typed columns: every logical type, extremes and NULLs, read back by apache-arrow', async () => {
    const table = readAll(await encode(arrowEncoder, allTypes, [allTypesRows]));
    const field = (name: string) => table.schema.fields.find((f) => f.name === name)!;
    expect(table.schema.fields.map((f) => f.name)).toEqual(allTypes.map((c) => c.name));
    expect(table.schema.fields.every((f) => f.nullable)).toBe(true);
    expect(table.schema.fields.every((f) => f.type.typeId !== Type.Dictionary)).toBe(true);
    const types: Record<string, string> = Object.fromEntries(
      table.schema.fields.map((f) => [f.name, String(f.type)]),
    );
    expect(types).toEqual({
      b: 'Bool',
      i32: 'Int32',
      i64: 'Int64',
      f64: 'Float64',
      d9: 'Decimal[9e+2]',
      d18: 'Decimal[18e+4]',
      d38: 'Decimal[38e+10]',
      dany: 'Utf8',
      s: 'Utf8',
      bin: 'Binary',
      day: 'Date32<DAY>',
      ts: 'Timestamp<MICROSECOND>',
      tstz: 'Timestamp<MICROSECOND, UTC>',
      j: 'Utf8',
      u: 'Utf8',
    });
    expect(field('ts').type).toMatchObject({ unit: TimeUnit.MICROSECOND, timezone: null });
    expect(field('tstz').type).toMatchObject({ unit: TimeUnit.MICROSECOND, timezone: 'UTC' });
    expect(field('d38').type).toMatchObject({ precision: 38, scale: 10, bitWidth: 128 });
    expect(field('j').metadata.get('sluice.type')).toBe('json');
    expect(field('dany').metadata.get('sluice.native_type')).toBe('numeric');

    expect(table.numRows).toBe(allTypesRows.length);
    allTypes.forEach((column, c) => {
      const vector = table.getChild(column.name)!;
      allTypesRows.forEach((row, r) => {
        const expected = row[c];
        const got = raw(vector, r);
        if (column.type === 'decimal' && column.precision) {
          expect(got, `${column.name}[${r}]`).toBe(unscaledOf(expected as string | null, column.scale!));
        } else if (column.type === 'int32' || column.type === 'float64' || column.type === 'date') {
          expect(got, `${column.name}[${r}]`).toBe(expected);
        } else {
          expect(got, `${column.name}[${r}]`).toEqual(expected);
        }
      });
    });
    expect(raw(table.getChild('bin')!, 1)).toEqual(ALL_BYTES);
  });

  it('is an independent reader’s valid stream too (arrow-rs, via parquet-wasm)', async () => {
    const bytes = await encode(arrowEncoder, allTypes, [allTypesRows, allTypesRows], { recordBatchRows: 3 });
    const rust = RustArrowTable.fromIPCStream(bytes);
    try {
      expect(rust.numBatches).toBe(4); // 10 rows at 3 per batch
      expect(rust.recordBatches().reduce((n, b) => n + b.numRows, 0)).toBe(10);
    } finally {
      rust.free();
    }
  });

  it('coalesces small input batches and splits large ones at recordBatchRows', async () => {
    const bytes = await encode(arrowEncoder, numbered, numberedBatches(10, 250), { recordBatchRows: 1000 });
    const reader = RecordBatchStreamReader.from(bytes);
    const sizes = [...reader].map((b) => b.numRows);
    expect(sizes).toEqual([1000, 1000, 500]);
    const split = await encode(arrowEncoder, numbered, numberedBatches(1, 2500), { recordBatchRows: 1000 });
    expect([...RecordBatchStreamReader.from(split)].map((b) => b.numRows)).toEqual([1000, 1000, 500]);
    const table = readAll(bytes);
    expect([...table.getChild('id')!].map(Number)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(table.getChild('label')!.get(2499)).toBe(`row 2499 ${'·'.repeat((2499 % 250) % 7)}`);
  });

  it('also closes a record batch at 16 MiB, so wide rows stay bounded', async () => {
    const wide = 'w'.repeat(1024 * 1024);
    const rows = Array.from({ length: 40 }, (_, i) => [BigInt(i), wide]);
    const bytes = await encode(arrowEncoder, numbered, [rows.slice(0, 25), rows.slice(25)]);
    expect([...RecordBatchStreamReader.from(bytes)].map((b) => b.numRows)).toEqual([16, 16, 8]);
  });

  it('writes a schema-only stream for an empty result', async () => {
    for (const batches of [[], [[], []]]) {
      const bytes = await encode(arrowEncoder, numbered, batches);
      const table = readAll(bytes);
      expect(table.numRows).toBe(0);
      expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Int64', 'Utf8']);
      expect([...bytes.subarray(-8)]).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    }
  });

  it('reuses its buffers without leaking one batch’s values into the next', async () => {
    const columns: Column[] = [
      { name: 'n', type: 'int64' },
      { name: 'b', type: 'boolean' },
      { name: 'd', type: 'decimal', precision: 10, scale: 0 },
      { name: 's', type: 'string' },
    ];
    const rows = [[[1n, true, '7', 'first']], [[null, null, null, null]], [[2n, false, '8', 'x']]];
    const table = readAll(await encode(arrowEncoder, columns, rows, { recordBatchRows: 1 }));
    expect(table.batches).toHaveLength(3);
    expect(table.toArray().map((r) => r.toJSON())).toEqual([
      { n: 1n, b: true, d: expect.anything(), s: 'first' },
      { n: null, b: null, d: null, s: null },
      { n: 2n, b: false, d: expect.anything(), s: 'x' },
    ]);
    expect(raw(table.getChild('d')!, 2)).toBe(8n);
    // The NULL row's value slots are zeroed, not the previous row's bytes.
    expect((table.batches[1]!.getChild('n')!.data[0]!.values as BigInt64Array)[0]).toBe(0n);
  });

  const bad: { name: string; column: Column; value: unknown }[] = [
    {
      name: 'decimal with more digits than its precision',
      column: { name: 'v', type: 'decimal', precision: 5, scale: 2 },
      value: '1234.5',
    },
    {
      name: 'decimal with more fraction digits than its scale',
      column: { name: 'v', type: 'decimal', precision: 10, scale: 2 },
      value: '1.234',
    },
    { name: 'decimal NaN', column: { name: 'v', type: 'decimal', precision: 10, scale: 2 }, value: 'NaN' },
    { name: 'int64 past 64 bits', column: { name: 'v', type: 'int64' }, value: 2n ** 63n },
    { name: 'int32 past 32 bits', column: { name: 'v', type: 'int32' }, value: 2 ** 31 },
    { name: 'string in an int64 column', column: { name: 'v', type: 'int64' }, value: '1' },
    { name: 'number in a timestamp column', column: { name: 'v', type: 'timestamp' }, value: 1.5 },
  ];
  for (const b of bad) {
    it(`fails with VALUE_UNREPRESENTABLE for a ${b.name}`, async () => {
      await expect(encode(arrowEncoder, [b.column], [[[b.value]]])).rejects.toMatchObject({
        code: 'VALUE_UNREPRESENTABLE',
      });
    });
  }

  it('parses decimal text exactly, trailing zeros and exponents included', () => {
    expect(decimalToUnscaled('-12.50', 10, 2)).toBe(-1250n);
    expect(decimalToUnscaled('1.500', 10, 1)).toBe(15n);
    expect(decimalToUnscaled('1e3', 10, 2)).toBe(100000n);
    expect(decimalToUnscaled('.5', 10, 1)).toBe(5n);
    expect(decimalToUnscaled('-0', 10, 0)).toBe(0n);
    expect(decimalToUnscaled('99999999999999999999999999999999999999', 38, 0)).toBe(10n ** 38n - 1n);
    expect(() => decimalToUnscaled('1e999999999', 38, 0)).toThrow(/more than 38 digits/);
    expect(() => decimalToUnscaled('', 10, 0)).toThrow();
    expect(() => decimalToUnscaled('1.2.3', 10, 0)).toThrow();
  });

  it('rejects a bad recordBatchRows before any row', () => {
    for (const recordBatchRows of [0, 1.5, 2 ** 21]) {
      expect(() => arrowEncoder.create(numbered, { recordBatchRows })).toThrowError(
        expect.objectContaining({ code: 'REQUEST_INVALID' }),
      );
    }
  });

  it('holds the source back when the consumer stops reading', async () => {
    const r = await runAheadWhileStalled(arrowEncoder, { recordBatchRows: 100 }, 2000, 50);
    expect(r.pulledWhileStalled).toBeLessThan(40);
    expect(r.total).toBe(2000);
  });
});
