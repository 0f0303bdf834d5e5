import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresSource } from '../../dialects/postgres/source.ts';
import type { Query, Source, TableQuery } from '../../dialects/source.ts';
import { runFormatExport, type FormatExportPlan } from '../../pipeline/run-format-export.ts';
import { createLocalFolderSink } from '../../sinks/local-folder.ts';

// The CSV fast path (COPY … CSV, bytes never decoded) against the decode path (COPY text → rows →
// encoders/csv) on the real PostgreSQL: the same table must give the same file.
const schema = `sluice_ncsv_${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-native-csv-'));
let admin: pg.Client;
let source: Source;

const TEXTS = [
  '',
  'plain',
  'comma, inside',
  'semi;colon',
  'quote " inside',
  '"quoted"',
  'new\nline',
  'cr\r\nlf',
  ' lead and trail ',
  '\\N',
  '\\.',
  'NULL',
  '😀 日本語 é',
  'tab\there',
];

beforeAll(async () => {
  const url = inject('infra').DATABASE_URL;
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.query(`CREATE TYPE "${schema}".mood AS ENUM ('happy', 'so, so')`);
  await admin.query(`CREATE TABLE "${schema}".every_type (
    id int8 PRIMARY KEY, i2 int2, i4 int4, f4 float4, f8 float8, n numeric(20,6), nn numeric,
    b bool, t text, vc varchar(40), ch char(5), u uuid, j json, jb jsonb, by bytea, d date,
    ts timestamp, tstz timestamptz, tm time, iv interval, ip inet, m "${schema}".mood, o oid)`);
  await admin.query(
    `INSERT INTO "${schema}".every_type
     SELECT g, (g % 30000)::int2, g * 7, (g / 3.0)::float4, CASE g % 5 WHEN 0 THEN 1e20 WHEN 1 THEN 1.5e-7
       WHEN 2 THEN -0.0 WHEN 3 THEN 'NaN' ELSE g / 7.0 END, g * 1.000001, (g::numeric / 3),
       g % 2 = 0, ($1::text[])[(g % $2) + 1], 'v' || g, 'c' || (g % 9), md5(g::text)::uuid,
       json_build_object('g', g, 's', 'a,"b"'), jsonb_build_object('k', g), decode(lpad(to_hex(g), 8, '0'), 'hex'),
       date '2024-02-29' + (g % 4000) - 2000, timestamp '2024-01-01 00:00:00' + g * interval '1.234567 second',
       timestamptz '2024-06-01 12:00:00+02' + g * interval '1 minute 0.5 second', time '10:00' + g * interval '1 s',
       g * interval '1 hour', ('10.0.' || (g % 256) || '.1')::inet, (ARRAY['happy', 'so, so'])[(g % 2) + 1]::"${schema}".mood,
       g::oid
     FROM generate_series(1, 3000) g`,
    [TEXTS, TEXTS.length],
  );
  // Every nullable column NULL once.
  await admin.query(`INSERT INTO "${schema}".every_type (id) VALUES (0)`);
  await admin.query(
    `CREATE TABLE "${schema}".edge (id int4 PRIMARY KEY, d date, ts timestamp, tz timestamptz)`,
  );
  await admin.query(`CREATE TABLE "${schema}".arrays (id int4 PRIMARY KEY, a int4[])`);
  await admin.query(`INSERT INTO "${schema}".arrays VALUES (1, '{1,2}')`);
  source = createPostgresSource({ url });
}, 60_000);

afterAll(async () => {
  await source?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

async function exportBoth(query: Query, extra: Partial<FormatExportPlan> = {}) {
  const sink = createLocalFolderSink({ root: dir });
  const id = randomUUID();
  const run = (nativeCsv: boolean) =>
    runFormatExport({
      source,
      query,
      format: 'csv',
      sink,
      keyFor: (ext) => `${id}-${nativeCsv ? 'native' : 'decoded'}.${ext}`,
      nativeCsv,
      ...extra,
    });
  const native = await run(true);
  const decoded = await run(false);
  const read = (key: string) => readFileSync(join(dir, key));
  return { native, decoded, nativeBytes: read(native.object.key), decodedBytes: read(decoded.object.key) };
}

const table = (t: string, columns?: string[]): TableQuery => ({
  kind: 'table',
  table: `${schema}.${t}`,
  ...(columns ? { columns } : {}),
  orderBy: [{ column: 'id' }],
});

describe('CSV fast path from PostgreSQL', () => {
  it('the source offers it for a plain table, not for bound values or arrays', async () => {
    const plain = await source.streamCsv!(table('every_type'), { delimiter: ',' });
    expect(plain).toBeDefined();
    for await (const chunk of plain!.chunks) expect(chunk.length).toBeGreaterThan(0);
    expect(plain!.rowCount()).toBe(3001);
    const bound = await source.streamCsv!(
      { ...table('every_type'), filters: [{ column: 'id', op: 'gte', value: 0 }] },
      { delimiter: ',' },
    );
    expect(bound).toBeUndefined();
    expect(await source.streamCsv!(table('arrays'), { delimiter: ',' })).toBeUndefined();
    expect(await source.streamCsv!(table('every_type'), { delimiter: '§' })).toBeUndefined();
  });

  it('writes byte for byte what the decode path writes, for every type but floats', async () => {
    const columns = [
      'id',
      'i2',
      'i4',
      'n',
      'nn',
      'b',
      't',
      'vc',
      'ch',
      'u',
      'j',
      'jb',
      'by',
      'd',
      'ts',
      'tstz',
      'tm',
      'iv',
      'ip',
      'm',
      'o',
    ];
    const { native, decoded, nativeBytes, decodedBytes } = await exportBoth(table('every_type', columns));
    expect(native.rows).toBe(3001);
    expect(decoded.rows).toBe(3001);
    expect(native.columns).toEqual(decoded.columns);
    expect(nativeBytes.equals(decodedBytes)).toBe(true);
    expect(native.object.sha256).toBe(decoded.object.sha256);
  });

  it('floats: the same numbers (PostgreSQL may write 1e+20 where JS writes 100000000000000000000)', async () => {
    const { nativeBytes, decodedBytes } = await exportBoth(table('every_type', ['id', 'f4', 'f8']));
    const a = parse(nativeBytes, { record_delimiter: '\r\n' }) as string[][];
    const b = parse(decodedBytes, { record_delimiter: '\r\n' }) as string[][];
    expect(a.length).toBe(3002);
    expect(a.length).toBe(b.length);
    for (let r = 0; r < a.length; r++) {
      for (let c = 0; c < 3; c++) {
        const x = a[r]![c]!;
        const y = b[r]![c]!;
        if (r === 0 || x === '' || y === '') expect(x).toBe(y);
        else expect(Object.is(Number(x), Number(y))).toBe(true);
      }
    }
  });

  it('honours header: false, another delimiter and gzip', async () => {
    const { native, nativeBytes, decodedBytes } = await exportBoth(
      table('every_type', ['id', 't', 'm', 'ts']),
      {
        encoderOptions: { header: false, delimiter: ';' },
        compression: 'gzip',
      },
    );
    expect(native.object.key.endsWith('.csv.gz')).toBe(true);
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(nativeBytes).equals(gunzipSync(decodedBytes))).toBe(true);
  });

  it('a year past 9999 falls back to the decode path and matches it; infinity fails as there', async () => {
    await admin.query(`INSERT INTO "${schema}".edge VALUES (1, '2024-01-01', '2024-01-01 01:02:03.5', now()),
      (2, '12345-06-07', '0044-03-15 12:00 BC', '10000-01-01 00:00+00')`);
    const { native, nativeBytes, decodedBytes } = await exportBoth(table('edge'));
    expect(native.rows).toBe(2);
    expect(nativeBytes.equals(decodedBytes)).toBe(true);

    await admin.query(`INSERT INTO "${schema}".edge VALUES (3, 'infinity', NULL, NULL)`);
    await expect(exportBoth(table('edge'))).rejects.toMatchObject({ code: 'VALUE_UNREPRESENTABLE' });
  });

  it('an empty result is the header alone, as on the decode path', async () => {
    const { native, nativeBytes, decodedBytes } = await exportBoth({
      kind: 'sql',
      sql: `SELECT id, t FROM "${schema}".every_type WHERE false`,
    });
    expect(native.rows).toBe(0);
    expect(nativeBytes.toString()).toBe('id,t\r\n');
    expect(nativeBytes.equals(decodedBytes)).toBe(true);
  });
});
