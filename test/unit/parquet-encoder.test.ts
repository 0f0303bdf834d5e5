import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Column } from '../../schemas/column.ts';
import { parquetEncoder } from '../../encoders/parquet/parquet-transform.ts';
import {
  ALL_BYTES,
  allTypes,
  allTypesRows,
  encode,
  numbered,
  numberedBatches,
  runAheadWhileStalled,
} from './row-encoder-cases.ts';

// Two readers the writer (arrow-rs inside parquet-wasm) has no code in common with: DuckDB's C++ reader for
// values and its view of the schema, hyparquet (JavaScript) for the raw Thrift schema and row groups.
let duck: DuckDBConnection;
let dir: string;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  dir = mkdtempSync(join(tmpdir(), 'sluice-parquet-'));
});
afterAll(() => {
  duck?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function save(bytes: Buffer): string {
  const path = join(dir, `f${files++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

describe('parquet encoder', () => {
  it('writes real Parquet types: decimals by precision, timestamps with their UTC flag, dates', async () => {
    const bytes = await encode(parquetEncoder, allTypes, [allTypesRows]);
    const path = save(bytes);
    const schema = await query(
      `select name, type, type_length, converted_type, precision, scale, logical_type from parquet_schema('${path}')`,
    );
    const el = (name: string) => schema.find((s) => s.name === name)!;
    const physical = Object.fromEntries(allTypes.map((c) => [c.name, el(c.name).type]));
    expect(physical).toEqual({
      b: 'BOOLEAN',
      i32: 'INT32',
      i64: 'INT64',
      f64: 'DOUBLE',
      d9: 'INT32',
      d18: 'INT64',
      d38: 'FIXED_LEN_BYTE_ARRAY',
      dany: 'BYTE_ARRAY',
      s: 'BYTE_ARRAY',
      bin: 'BYTE_ARRAY',
      day: 'INT32',
      ts: 'INT64',
      tstz: 'INT64',
      j: 'BYTE_ARRAY',
      u: 'BYTE_ARRAY',
    });
    expect(el('d9')).toMatchObject({ converted_type: 'DECIMAL', precision: 9n, scale: 2n });
    expect(el('d18')).toMatchObject({ converted_type: 'DECIMAL', precision: 18n, scale: 4n });
    expect(el('d38')).toMatchObject({
      converted_type: 'DECIMAL',
      precision: 38n,
      scale: 10n,
      type_length: '16',
    });
    expect(el('ts').logical_type).toMatch(/TimestampType\(isAdjustedToUTC=0, unit=.*MICROS=MicroSeconds/);
    expect(el('tstz').logical_type).toMatch(/TimestampType\(isAdjustedToUTC=1, unit=.*MICROS=MicroSeconds/);
    expect(el('day').logical_type).toBe('DateType()');
    for (const name of ['dany', 's', 'j', 'u']) expect(el(name).logical_type).toBe('StringType()');
    expect(el('bin').converted_type).toBeNull();

    // The same facts from the raw footer, read by hyparquet.
    const meta = parquetMetadata(new Uint8Array(bytes));
    const raw = (name: string) => meta.schema.find((s) => s.name === name)!;
    expect(raw('tstz').logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' });
    expect(raw('ts').logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' });
    expect(raw('d38')).toMatchObject({
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 16,
      precision: 38,
      scale: 10,
    });
    expect(raw('day').logical_type).toEqual({ type: 'DATE' });
    expect(meta.schema.slice(1).every((s) => s.repetition_type === 'OPTIONAL')).toBe(true);
  });

  it('round-trips every value, NULL and extreme through DuckDB', async () => {
    const path = save(
      await encode(parquetEncoder, allTypes, [allTypesRows.slice(0, 2), allTypesRows.slice(2)]),
    );
    const rows = await query(`
      select b, i32, i64::varchar i64, f64, d9::varchar d9, d18::varchar d18, d38::varchar d38, dany, s,
             hex(bin) bin, ("day" - date '1970-01-01')::bigint "day", epoch_us(ts) ts, epoch_us(tstz) tstz, j, u
      from read_parquet('${path}')`);
    const expected = allTypesRows.map((row) =>
      Object.fromEntries(
        allTypes.map((c, i) => {
          const v = row[i];
          if (v === null) return [c.name, null];
          switch (c.type) {
            case 'int64':
              return [c.name, String(v)];
            case 'binary':
              return [
                c.name,
                Buffer.from(v as Uint8Array)
                  .toString('hex')
                  .toUpperCase(),
              ];
            case 'date':
              return [c.name, BigInt(v as number)];
            default:
              return [c.name, v];
          }
        }),
      ),
    );
    expect(rows).toEqual(expected);
    expect(rows[1]!.bin).toBe(Buffer.from(ALL_BYTES).toString('hex').toUpperCase());
  });

  it('streams one row group at a time, in row order, with zstd by default', async () => {
    const chunks: number[] = [];
    const collected: Buffer[] = [];
    await pipeline(
      Readable.from(numberedBatches(10, 1000), { objectMode: true }),
      parquetEncoder.create(numbered, { rowGroupRows: 2500 }),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          chunks.push(chunk.byteLength);
          collected.push(chunk);
          cb();
        },
      }),
    );
    // A chunk per row group as it completes, then the footer: the file was never held whole.
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    const path = save(Buffer.concat(collected));
    const groups = await query(
      `select row_group_id, any_value(row_group_num_rows) n, any_value(compression) codec
       from parquet_metadata('${path}') group by 1 order by 1`,
    );
    expect(groups.map((g) => [g.n, g.codec])).toEqual(Array(4).fill([2500n, 'ZSTD']));
    const ids = await query(`select id from read_parquet('${path}')`);
    expect(ids.map((r) => r.id)).toEqual(Array.from({ length: 10_000 }, (_, i) => BigInt(i)));
  });

  it('writes snappy or uncompressed on request, and refuses unknown options before any row', async () => {
    for (const [codec, name] of [
      ['snappy', 'SNAPPY'],
      ['none', 'UNCOMPRESSED'],
    ] as const) {
      const path = save(
        await encode(parquetEncoder, numbered, numberedBatches(2, 10), { parquetCompression: codec }),
      );
      const [row] = await query(`select distinct compression from parquet_metadata('${path}')`);
      expect(row!.compression).toBe(name);
    }
    expect(() => parquetEncoder.create(numbered, { parquetCompression: 'lz4' as never })).toThrowError(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
    expect(() => parquetEncoder.create(numbered, { rowGroupRows: 0 })).toThrowError(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
  });

  it('writes a valid file with the schema and no rows for an empty result', async () => {
    for (const batches of [[], [[]]]) {
      const path = save(await encode(parquetEncoder, allTypes, batches));
      expect((await query(`select count(*) n from read_parquet('${path}')`))[0]!.n).toBe(0n);
      const types = await query(
        `select column_name, column_type from (describe select * from read_parquet('${path}'))`,
      );
      expect(types.find((t) => t.column_name === 'd38')!.column_type).toBe('DECIMAL(38,10)');
      expect(types.find((t) => t.column_name === 'tstz')!.column_type).toBe('TIMESTAMP WITH TIME ZONE');
    }
  });

  it('fails with VALUE_UNREPRESENTABLE on a value its column cannot hold', async () => {
    const columns: Column[] = [{ name: 'd', type: 'decimal', precision: 4, scale: 2 }];
    await expect(encode(parquetEncoder, columns, [[['1.00']], [['123.45']]])).rejects.toMatchObject({
      code: 'VALUE_UNREPRESENTABLE',
    });
  });

  it('holds the source back when the consumer stops reading', async () => {
    const r = await runAheadWhileStalled(parquetEncoder, { rowGroupRows: 500 }, 2000, 50);
    // A row group is 10 batches and compresses to ~1 KiB; Node's readable high-water mark counts bytes
    // (16 KiB), so about 14 row groups wait before it pushes back. Bounded by bytes, not by the 2,000 batches.
    expect(r.pulledWhileStalled).toBeLessThan(300);
    expect(r.total).toBe(2000);
  });

  it('stops its writer when the pipeline fails midway, and the next file is fine', async () => {
    let seen = 0;
    const failing = new Writable({
      write(_chunk, _e, cb) {
        seen++;
        cb(new Error('consumer failed'));
      },
    });
    await expect(
      pipeline(
        Readable.from(numberedBatches(200, 100), { objectMode: true }),
        parquetEncoder.create(numbered, { rowGroupRows: 1000 }),
        failing,
      ),
    ).rejects.toThrow('consumer failed');
    expect(seen).toBe(1);
    const path = save(await encode(parquetEncoder, numbered, numberedBatches(3, 10)));
    expect((await query(`select count(*) n from read_parquet('${path}')`))[0]!.n).toBe(30n);
  });
});
