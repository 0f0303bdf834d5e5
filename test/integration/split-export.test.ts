import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresSource } from '../../dialects/postgres/source.ts';
import type { Query, Source } from '../../dialects/source.ts';
import { runFormatExport, type SplitOptions } from '../../pipeline/run-format-export.ts';
import type { Manifest } from '../../pipeline/split/manifest.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import { MiB } from '../../sinks/s3/part-size.ts';
import { readParquetWithDuckDb } from '../support/duckdb.ts';
import { testS3Client } from '../support/s3.ts';

// Split (rows / MiB per file) and parallel (key-range streams) exports from the real PostgreSQL into the
// real S3Proxy: every file is a whole file of its format, the files together are exactly the table, and
// the manifest's hashes are the stored objects'.
const schema = `sluice_split_${randomUUID().slice(0, 8)}`;
const ROWS = 20_000;
let admin: pg.Client;
let source: Source;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  const infra = inject('infra');
  bucket = infra.S3_BUCKET;
  s3 = testS3Client();
  admin = new pg.Client({ connectionString: infra.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.query(`CREATE TABLE "${schema}".events (id int8 PRIMARY KEY, note text, amount numeric(12,2),
    at timestamptz)`);
  // Ids with gaps (only even ones) so key ranges do not match row counts exactly.
  await admin.query(`INSERT INTO "${schema}".events
    SELECT g * 2, CASE WHEN g % 7 = 0 THEN 'line' || chr(10) || 'break, "quoted"' ELSE repeat('x', g % 90) END,
      g / 100.0, timestamptz '2026-01-01 00:00Z' + g * interval '1 second'
    FROM generate_series(1, ${ROWS}) g`);
  await admin.query(`CREATE TABLE "${schema}".nokey (v int4)`);
  await admin.query(`INSERT INTO "${schema}".nokey SELECT generate_series(1, 100)`);
  source = createPostgresSource({ url: infra.DATABASE_URL });
}, 60_000);

afterAll(async () => {
  await source?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin?.end();
  s3?.destroy();
});

const events: Query = { kind: 'table', table: `${schema}.events`, orderBy: [{ column: 'id' }] };

async function get(key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function listKeys(prefix: string): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

/** The ids in one file, read by a reader of its format. */
async function idsIn(format: string, compression: string, body: Buffer): Promise<number[]> {
  const bytes = compression === 'gzip' ? gunzipSync(body) : body;
  switch (format) {
    case 'csv': {
      const rows = parse(bytes, { record_delimiter: '\r\n' }) as string[][];
      expect(rows[0]).toEqual(['id', 'note', 'amount', 'at']);
      return rows.slice(1).map((r) => Number(r[0]));
    }
    case 'ndjson':
      return bytes
        .toString()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => Number((JSON.parse(l) as { id: string }).id));
    case 'json':
      return (JSON.parse(bytes.toString()) as { rows: { id: string }[] }).rows.map((r) => Number(r.id));
    case 'parquet':
      return (await readParquetWithDuckDb(bytes)).rows.map((r) => Number(r.id));
    case 'arrow':
      return [...tableFromIPC(bytes).getChild('id')!].map((v) => Number(v));
    default:
      throw new Error(format);
  }
}

async function exportSplit(
  format: string,
  split: SplitOptions,
  extra: { compression?: 'gzip'; query?: Query; nativeCsv?: boolean } = {},
) {
  const prefix = `split-test/${randomUUID()}/`;
  const result = await runFormatExport(
    {
      source,
      query: extra.query ?? events,
      format,
      compression: extra.compression,
      sink: createS3Sink({ client: s3, bucket, partSize: 5 * MiB }),
      keyFor: (ext) => `${prefix}whole.${ext}`,
      fileKeyFor: (name) => `${prefix}${name}`,
      split,
      nativeCsv: extra.nativeCsv,
      encoderOptions: format === 'parquet' ? { rowGroupRows: 1_000 } : {},
    },
    { batchRows: 1_000 },
  );
  return { prefix, result };
}

/** Everything a consumer of the manifest would check. */
async function checkAll(
  format: string,
  compression: string,
  prefix: string,
  result: Awaited<ReturnType<typeof runFormatExport>>,
) {
  expect(result.object.key).toBe(`${prefix}manifest.json`);
  const manifestBytes = await get(result.object.key);
  expect(createHash('sha256').update(manifestBytes).digest('hex')).toBe(result.object.sha256);
  const manifest = JSON.parse(manifestBytes.toString()) as Manifest;
  expect(manifest.entries.map((e) => e.key)).toEqual(result.files!.map((f) => f.key));
  // Exactly the manifest's files and the manifest are stored: nothing missing, nothing extra.
  expect(await listKeys(prefix)).toEqual(
    [...manifest.entries.map((e) => e.key), `${prefix}manifest.json`].sort(),
  );
  expect(new Set(manifest.entries.map((e) => e.key)).size).toBe(manifest.entries.length);
  const all: number[] = [];
  for (const entry of manifest.entries) {
    const body = await get(entry.key);
    expect(body.byteLength).toBe(entry.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(entry.sha256);
    const ids = await idsIn(format, compression, body);
    expect(ids.length).toBe(entry.rows);
    all.push(...ids);
  }
  expect(manifest.totals.rows).toBe(ROWS);
  expect(result.rows).toBe(ROWS);
  expect(manifest.totals.files).toBe(manifest.entries.length);
  expect(manifest.columns.map((c) => c.name)).toEqual(['id', 'note', 'amount', 'at']);
  // The union is the table: every id once.
  expect(all.length).toBe(ROWS);
  expect(new Set(all).size).toBe(ROWS);
  expect(Math.min(...all)).toBe(2);
  expect(Math.max(...all)).toBe(ROWS * 2);
  return manifest;
}

describe('split exports: maxRowsPerFile', () => {
  const cases: { format: string; compression?: 'gzip'; nativeCsv?: boolean }[] = [
    { format: 'csv' },
    { format: 'csv', nativeCsv: false },
    { format: 'csv', compression: 'gzip' },
    { format: 'ndjson' },
    { format: 'json' },
    { format: 'parquet' },
    { format: 'arrow' },
  ];
  for (const c of cases) {
    it(`${c.format}${c.compression ? `+${c.compression}` : ''}${c.nativeCsv === false ? ' (decode path)' : ''}`, async () => {
      const { prefix, result } = await exportSplit(c.format, { maxRowsPerFile: 3_000 }, c);
      const manifest = await checkAll(c.format, c.compression ?? 'none', prefix, result);
      expect(manifest.entries.map((e) => e.rows)).toEqual([3000, 3000, 3000, 3000, 3000, 3000, 2000]);
      const ext = c.format === 'arrow' ? 'arrows' : c.format;
      expect(manifest.entries[0]!.key).toBe(`${prefix}part-00001.${ext}${c.compression ? '.gz' : ''}`);
      expect(manifest.split).toEqual({ maxRowsPerFile: 3000, parallel: { requested: 1, streams: 1 } });
    });
  }
});

describe('split exports: maxFileSizeMiB', () => {
  for (const format of ['csv', 'ndjson']) {
    it(`${format}: files close at the first row after 1 MiB`, async () => {
      const { prefix, result } = await exportSplit(format, { maxFileSizeMiB: 1 });
      const manifest = await checkAll(format, 'none', prefix, result);
      expect(manifest.entries.length).toBeGreaterThan(1);
      for (const entry of manifest.entries.slice(0, -1)) {
        expect(entry.bytes).toBeGreaterThanOrEqual(MiB);
        expect(entry.bytes).toBeLessThan(MiB + 512 * 1024); // one chunk or batch past the limit at most
      }
    });
  }
});

describe('parallel exports', () => {
  for (const format of ['csv', 'parquet', 'ndjson']) {
    it(`${format}: 4 streams over id ranges`, async () => {
      const { prefix, result } = await exportSplit(format, { parallel: 4 });
      const manifest = await checkAll(format, 'none', prefix, result);
      expect(manifest.split.parallel).toEqual({ requested: 4, streams: 4, column: 'id' });
      expect(manifest.entries.length).toBe(4);
      // Manifest order is key order: each file's ids follow the previous file's.
      const firsts = [];
      for (const e of manifest.entries) firsts.push((await idsIn(format, 'none', await get(e.key)))[0]!);
      expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
    });
  }

  it('parallel and maxRowsPerFile together', async () => {
    const { prefix, result } = await exportSplit('csv', { parallel: 3, maxRowsPerFile: 2_500 });
    const manifest = await checkAll('csv', 'none', prefix, result);
    expect(manifest.split.parallel.streams).toBe(3);
    expect(manifest.entries.every((e) => e.rows <= 2_500)).toBe(true);
  });

  it('falls back to one stream, and says why, where the query cannot be sliced', async () => {
    const raw = await exportSplit(
      'csv',
      { parallel: 4 },
      { query: { kind: 'sql', sql: `SELECT * FROM "${schema}".events` } },
    );
    expect(raw.result.split!.parallel).toMatchObject({ requested: 4, streams: 1 });
    expect(raw.result.split!.parallel.note).toMatch(/raw SQL/);
    const nokey = await exportSplit(
      'csv',
      { parallel: 4 },
      { query: { kind: 'table', table: `${schema}.nokey` } },
    );
    expect(nokey.result.split!.parallel.note).toMatch(/no single-column primary key/);
    expect(nokey.result.rows).toBe(100);
  });
});

describe('split exports that fail leave nothing behind', () => {
  it('an abort after some files are done deletes them and aborts the open upload', async () => {
    const prefix = `split-test/${randomUUID()}/`;
    const controller = new AbortController();
    let files = 0;
    const sink = createS3Sink({ client: s3, bucket, partSize: 5 * MiB });
    // Count committed files through the sink, and abort once two are stored and a third is open.
    const counting = {
      ...sink,
      createWriter: (key: string, options: { contentType: string }) => {
        const writer = sink.createWriter(key, options);
        // The open file's upload is aborted, so `stored` rejects: handle that here, or it is unhandled.
        writer.stored.then(
          () => {
            if (++files === 2) setTimeout(() => controller.abort(new Error('stop')), 50);
          },
          () => {},
        );
        return writer;
      },
    };
    await expect(
      runFormatExport(
        {
          source,
          // A slow query (pg_sleep per 1,000 rows) so the abort lands mid-way.
          query: {
            kind: 'sql',
            sql: `SELECT e.*, CASE WHEN e.id % 2000 = 0 THEN pg_sleep(0.05)::text END AS pause FROM "${schema}".events e ORDER BY id`,
          },
          format: 'parquet',
          sink: counting,
          keyFor: (ext) => `${prefix}whole.${ext}`,
          fileKeyFor: (name) => `${prefix}${name}`,
          split: { maxRowsPerFile: 1_000 },
          encoderOptions: { rowGroupRows: 1_000 },
        },
        { signal: controller.signal, batchRows: 500 },
      ),
    ).rejects.toThrow('stop');
    expect(files).toBeGreaterThanOrEqual(2);
    expect(await listKeys(prefix)).toEqual([]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('a failing stream of a parallel export stops the others and deletes every file', async () => {
    const prefix = `split-test/${randomUUID()}/`;
    // The last key range holds a timestamp no Parquet value can represent: that stream fails late, after
    // the others (and itself) have written files.
    await admin.query(`CREATE TABLE "${schema}".fragile (id int8 PRIMARY KEY, ts timestamp)`);
    await admin.query(`INSERT INTO "${schema}".fragile
      SELECT g, CASE WHEN g = ${ROWS} THEN 'infinity' ELSE timestamp '2026-01-01' + g * interval '1 s' END
      FROM generate_series(1, ${ROWS}) g`);
    await expect(
      runFormatExport(
        {
          source,
          query: { kind: 'table', table: `${schema}.fragile` },
          format: 'parquet',
          sink: createS3Sink({ client: s3, bucket, partSize: 5 * MiB }),
          keyFor: (ext) => `${prefix}whole.${ext}`,
          fileKeyFor: (name) => `${prefix}${name}`,
          split: { maxRowsPerFile: 1_000, parallel: 4 },
          encoderOptions: { rowGroupRows: 1_000 },
        },
        { batchRows: 500 },
      ),
    ).rejects.toMatchObject({ code: 'VALUE_UNREPRESENTABLE' });
    expect(await listKeys(prefix)).toEqual([]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
