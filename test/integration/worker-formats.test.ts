import { createHash, randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { decompress } from 'zstd-napi';
import { tableFromIPC, type Data } from 'apache-arrow';
import { isoToMicros } from '../../core/time.ts';
import { parse } from 'csv-parse/sync';
import type { Producer } from 'kafkajs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import type { ExportCompleted } from '../../schemas/export-outcome.ts';
import { Topics } from '../../schemas/topics.ts';
import { readParquetWithDuckDb } from '../support/duckdb.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT } from '../support/grants.ts';

/**
 * End to end for every format: a request produced with kafkajs, the worker's completion event, the object
 * fetched by its presigned URL with plain fetch, and read back by an independent reader — every value
 * compared with what the database holds.
 */
const uid = randomUUID().replaceAll('-', '').slice(0, 10);
const pgSchema = `wfmt_${uid}`;
const myTable = `wfmt_${uid}`;
const workspaceId = `ws-fmt-${uid}`;

// What the databases hold, column by column, as each reader should present it.
interface Expected {
  id: number;
  label: string | null;
  amount: string;
  big: string;
  ratio: number | null;
  flag: boolean | null;
  at: string | null; // instant, ISO-8601 UTC with 6 fraction digits
  localAt: string | null; // wall clock, no zone
  day: string | null;
  payload: string | null; // JSON text as stored
  raw: string | null; // hex
}

const ROWS: Expected[] = [
  {
    id: 1,
    label: '',
    amount: '1234567890123456789012345678.0123456789',
    big: '9223372036854775807',
    ratio: 0.1,
    flag: true,
    at: '2024-04-01T10:15:00.123456Z',
    localAt: '2024-04-01T10:15:00.500000',
    day: '1969-07-20',
    payload: '{"a": [1, "x"]}',
    raw: '00ff10',
  },
  {
    id: 2,
    label: null,
    amount: '-9999999999999999999999999999.9999999999',
    big: '-9223372036854775808',
    ratio: -1.5e-300,
    flag: false,
    at: '1970-01-01T00:00:01.000000Z', // MariaDB's TIMESTAMP starts at 1970; local_at and day go earlier
    localAt: '1950-06-15T00:00:00.000000',
    day: '1900-03-01',
    payload: null,
    raw: null,
  },
  {
    id: 3,
    label: 'Zürich "HB", line\nbreak; 東京 🚀',
    amount: '0.0000000001',
    big: '0',
    ratio: null,
    flag: null,
    at: null,
    localAt: null,
    day: null,
    payload: null,
    raw: null,
  },
  {
    id: 4,
    label: 'tab\there, back\\slash, crlf\r\n',
    amount: '42.0000000000',
    big: '1',
    ratio: 1e300,
    flag: true,
    at: '2000-02-29T23:59:59.999999Z',
    localAt: '2000-02-29T23:59:59.999999',
    day: '1583-01-01',
    payload: '{"k": "v", "n": 12345678901234567890}',
    raw: '',
  },
];

async function createPostgresFixture(url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`CREATE SCHEMA ${pgSchema}`);
    await db.query(`CREATE TABLE ${pgSchema}.fidelity (
      id int4 PRIMARY KEY, label text, amount numeric(38,10) NOT NULL, big int8 NOT NULL, ratio float8,
      flag boolean, at timestamptz, local_at timestamp, day date, payload jsonb, raw bytea)`);
    for (const r of ROWS) {
      await db.query(`INSERT INTO ${pgSchema}.fidelity VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, [
        r.id,
        r.label,
        r.amount,
        r.big,
        r.ratio,
        r.flag,
        r.at,
        r.localAt,
        r.day,
        r.payload,
        r.raw === null ? null : Buffer.from(r.raw, 'hex'),
      ]);
    }
  } finally {
    await db.end();
  }
}

async function createMysqlFixture(url: string): Promise<void> {
  const db = await mysql.createConnection({ uri: url, timezone: 'Z' });
  try {
    await db.query(`SET time_zone = '+00:00'`);
    await db.query(`CREATE TABLE ${myTable} (
      id INT PRIMARY KEY, label TEXT, amount DECIMAL(38,10) NOT NULL, big BIGINT NOT NULL, ratio DOUBLE,
      flag BOOLEAN, at TIMESTAMP(6) NULL, local_at DATETIME(6), day DATE, payload JSON, raw VARBINARY(64))
      CHARACTER SET utf8mb4`);
    for (const r of ROWS) {
      const ts = (v: string | null) => (v === null ? null : v.replace('T', ' ').replace('Z', ''));
      await db.query(`INSERT INTO ${myTable} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        r.id,
        r.label,
        r.amount,
        r.big,
        r.ratio,
        r.flag,
        ts(r.at),
        ts(r.localAt),
        r.day,
        r.payload,
        r.raw === null ? null : Buffer.from(r.raw, 'hex'),
      ]);
    }
  } finally {
    await db.end();
  }
}

describe.each([
  { engine: 'postgres', source: 'pg', table: () => `${pgSchema}.fidelity` },
  { engine: 'mariadb', source: 'maria', table: () => myTable },
])('worker end to end from $engine', ({ engine, source, table }) => {
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    const infra = inject('infra');
    if (engine === 'postgres') await createPostgresFixture(infra.DATABASE_URL);
    else await createMysqlFixture(infra.MYSQL_URL);
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed]);
    producer = kafka.producer();
    await producer.connect();
    worker = await startTestWorker([
      { name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT },
      { name: 'maria', url: infra.MYSQL_URL, grant: OPEN_GRANT },
    ]);
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    const infra = inject('infra');
    if (engine === 'postgres') {
      const db = new pg.Client({ connectionString: infra.DATABASE_URL });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await db.end();
    } else {
      const db = await mysql.createConnection(infra.MYSQL_URL);
      await db.query(`DROP TABLE IF EXISTS ${myTable}`);
      await db.end();
    }
  });

  async function exportAs(format: string, options?: Record<string, unknown>) {
    const requestId = randomUUID();
    const request = {
      version: 1,
      requestId,
      workspaceId,
      requestedBy: 'e2e@example.com',
      source,
      query: { kind: 'table', table: table(), orderBy: [{ column: 'id' }] },
      format,
      ...(options ? { options } : {}),
    };
    await producer.send({
      topic: Topics.requests,
      messages: [{ key: workspaceId, value: JSON.stringify(request) }],
    });
    const [record] = await recorder.waitFor(
      (r) => r.json().requestId === requestId && (r.topic === Topics.completed || r.topic === Topics.failed),
    );
    expect(record!.topic, JSON.stringify(record!.json())).toBe(Topics.completed);
    const event = record!.json<ExportCompleted>();
    const response = await fetch(event.url);
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.byteLength).toBe(event.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(event.sha256);
    expect(new Date(event.urlExpiresAt).getTime() - Date.now()).toBeGreaterThan(3500_000);
    return { event, body };
  }

  it('csv: RFC 4180, NULL apart from empty, timestamps in UTC', async () => {
    const { event, body } = await exportAs('csv');
    expect(event).toMatchObject({ rows: 4, format: 'csv', contentType: 'text/csv; charset=utf-8' });
    expect(event.key).toBe(`exports/${workspaceId}/${event.jobId}/${event.jobId}.csv`);
    const records = parse(body, { record_delimiter: '\r\n' }) as string[][];
    expect(records[0]).toEqual([
      'id',
      'label',
      'amount',
      'big',
      'ratio',
      'flag',
      'at',
      'local_at',
      'day',
      'payload',
      'raw',
    ]);
    records.slice(1).forEach((fields, i) => {
      const e = ROWS[i]!;
      expect(fields[0]).toBe(String(e.id));
      expect(fields[1]).toBe(e.label ?? '');
      expect(fields[2]).toBe(e.amount);
      expect(fields[3]).toBe(e.big);
      expect(fields[4]).toBe(e.ratio === null ? '' : String(e.ratio));
      expect(fields[5]).toBe(e.flag === null ? '' : String(e.flag));
      expect(fields[6]).toBe(e.at ?? '');
      expect(fields[7]).toBe(e.localAt ?? '');
      expect(fields[8]).toBe(e.day ?? '');
      expect(fields[9] === '' ? null : JSON.parse(fields[9]!)).toEqual(
        e.payload === null ? null : JSON.parse(e.payload),
      );
      expect(fields[10]).toBe(e.raw === null ? '' : `\\x${e.raw}`);
    });
    const lines = body.toString('utf8').split('\r\n');
    expect(lines[1]!.split(',')[1]).toBe('""'); // '' is quoted…
    expect(lines[2]!.split(',')[1]).toBe(''); // …NULL is not
  });

  it('csv + gzip', async () => {
    const { event, body } = await exportAs('csv', { compression: 'gzip', delimiter: ';' });
    expect(event.key.endsWith('.csv.gz')).toBe(true);
    const records = parse(gunzipSync(body), { record_delimiter: '\r\n', delimiter: ';' }) as string[][];
    expect(records).toHaveLength(5);
    expect(records[4]![1]).toBe(ROWS[3]!.label);
  });

  it('ndjson + zstd', async () => {
    const { event, body } = await exportAs('ndjson', { compression: 'zstd' });
    expect(event).toMatchObject({ contentType: 'application/zstd' });
    expect(event.key.endsWith('.ndjson.zst')).toBe(true);
    const lines = decompress(body).toString('utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([1, 2, 3, 4]);
  });

  it('refuses compression for a binary format, naming the rule', async () => {
    const requestId = randomUUID();
    await producer.send({
      topic: Topics.requests,
      messages: [
        {
          key: workspaceId,
          value: JSON.stringify({
            version: 1,
            requestId,
            workspaceId,
            requestedBy: 'e2e@example.com',
            source,
            query: { kind: 'table', table: table() },
            format: 'parquet',
            options: { compression: 'gzip' },
          }),
        },
      ],
    });
    const [record] = await recorder.waitFor(
      (r) => r.topic === Topics.failed && r.json().requestId === requestId,
    );
    expect(record!.json()).toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringMatching(/text formats/),
    });
  });

  const jsonRow = (e: Expected) => ({
    id: e.id,
    label: e.label,
    amount: e.amount,
    big: e.big,
    ratio: e.ratio,
    flag: e.flag,
    at: e.at,
    local_at: e.localAt,
    day: e.day,
    payload: e.payload === null ? null : JSON.parse(e.payload),
    raw: e.raw === null ? null : Buffer.from(e.raw, 'hex').toString('base64'),
  });

  it('ndjson: one object per line, int64 and decimals as exact strings', async () => {
    const { body } = await exportAs('ndjson');
    const lines = body.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed).toEqual(ROWS.map(jsonRow));
    expect(lines[3]).toMatch(/"n": ?12345678901234567890\b/); // JSON.parse rounds it; the bytes keep every digit
  });

  it('json: one document, schema first, then rows', async () => {
    const { body } = await exportAs('json');
    const doc = JSON.parse(body.toString('utf8'));
    expect(doc.schema.columns.map((c: { name: string; type: string }) => [c.name, c.type])).toEqual([
      ['id', 'int32'],
      ['label', 'string'],
      ['amount', 'decimal'],
      ['big', 'int64'],
      ['ratio', 'float64'],
      ['flag', 'boolean'],
      ['at', engine === 'postgres' ? 'timestamptz' : 'timestamptz'],
      ['local_at', 'timestamp'],
      ['day', 'date'],
      ['payload', 'json'],
      ['raw', 'binary'],
    ]);
    expect(doc.schema.columns[2]).toMatchObject({ precision: 38, scale: 10 });
    expect(doc.rows).toEqual(ROWS.map(jsonRow));
  });

  it('parquet: real column types, read back by DuckDB', async () => {
    const { event, body } = await exportAs('parquet');
    expect(event.contentType).toBe('application/vnd.apache.parquet');
    const { types, rows } = await readParquetWithDuckDb(body, 'id');
    expect(types).toMatchObject({
      id: 'INTEGER',
      label: 'VARCHAR',
      amount: 'DECIMAL(38,10)',
      big: 'BIGINT',
      ratio: 'DOUBLE',
      flag: 'BOOLEAN',
      at: 'TIMESTAMP WITH TIME ZONE',
      local_at: 'TIMESTAMP',
      day: 'DATE',
      raw: 'BLOB',
    });
    rows.forEach((row, i) => {
      const e = ROWS[i]!;
      expect(row.id).toBe(e.id);
      expect(row.label).toBe(e.label);
      expect(row.amount).toBe(e.amount);
      expect(row.big).toBe(e.big);
      expect(row.ratio).toBe(e.ratio);
      expect(row.flag).toBe(e.flag);
      expect(row.at).toBe(e.at === null ? null : duckTimestamp(e.at, '+00'));
      expect(row.local_at).toBe(e.localAt === null ? null : duckTimestamp(e.localAt, ''));
      expect(row.day).toBe(e.day);
      expect(row.payload === null ? null : JSON.parse(String(row.payload))).toEqual(
        e.payload === null ? null : JSON.parse(e.payload),
      );
      expect(row.raw).toBe(e.raw === null ? null : duckBlob(e.raw));
    });
  });

  it('arrow: typed columns, read back by apache-arrow', async () => {
    const { body } = await exportAs('arrow');
    const tableRead = tableFromIPC(body);
    expect(tableRead.numRows).toBe(4);
    const types = Object.fromEntries(tableRead.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({
      id: 'Int32',
      label: 'Utf8',
      big: 'Int64',
      ratio: 'Float64',
      flag: 'Bool',
      raw: 'Binary',
    });
    expect(types.amount).toMatch(/Decimal.*38.*10/);
    expect(types.at).toMatch(/Timestamp.*MICROSECOND.*UTC/);
    expect(types.local_at).toMatch(/Timestamp.*MICROSECOND/);
    expect(types.local_at).not.toMatch(/UTC/);
    ROWS.forEach((e, i) => {
      expect(tableRead.getChild('id')!.get(i)).toBe(e.id);
      expect(tableRead.getChild('label')!.get(i)).toBe(e.label);
      expect(tableRead.getChild('big')!.get(i)).toBe(BigInt(e.big));
      expect(tableRead.getChild('ratio')!.get(i)).toBe(e.ratio);
      expect(tableRead.getChild('flag')!.get(i)).toBe(e.flag);
      const raw = tableRead.getChild('raw')!.get(i) as Uint8Array | null;
      expect(raw === null ? null : Buffer.from(raw).toString('hex')).toBe(e.raw);
      expect(decimalText(tableRead.getChild('amount')!.data[0]!, i, 10)).toBe(e.amount);
      const at = tableRead.getChild('at')!.data[0]!;
      expect(at.getValid(i) ? (at.values as BigInt64Array)[i] : null).toBe(
        e.at === null ? null : isoToMicros(e.at),
      );
    });
  });

  it('sql: the statement exactly as it runs on the engine', async () => {
    const { event, body } = await exportAs('sql');
    const text = body.toString('utf8');
    expect(event).toMatchObject({ rows: 0, format: 'sql' });
    expect(text).toContain(`-- dialect: ${engine === 'postgres' ? 'postgres' : 'mysql'}`);
    const statement = text
      .split('\n')
      .filter((l) => !l.startsWith('--'))
      .join('\n')
      .trim();
    expect(statement).toMatch(
      engine === 'postgres'
        ? /^SELECT "id", "label".* FROM "wfmt_\w+"\."fidelity" ORDER BY "id" ASC;$/
        : /^SELECT `id`, `label`.* FROM `\w+`\.`wfmt_\w+` ORDER BY `id` ASC;$/,
    );
  });
});

/** A Decimal128 slot read from its four little-endian 32-bit words, then scaled: no Arrow helper involved. */
function decimalText(data: Data, i: number, scale: number): string | null {
  if (!data.getValid(i)) return null;
  const words = data.values as Uint32Array;
  let unscaled = 0n;
  for (let k = 3; k >= 0; k--) unscaled = (unscaled << 32n) | BigInt(words[4 * (data.offset + i) + k]!);
  unscaled = BigInt.asIntN(128, unscaled);
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** DuckDB renders 2024-04-01T10:15:00.123456Z as `2024-04-01 10:15:00.123456+00`, trimming zero fractions. */
function duckTimestamp(iso: string, zone: string): string {
  const [date, time] = iso.replace('Z', '').split('T');
  const [hms, fraction = ''] = time!.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${date} ${hms}${trimmed ? `.${trimmed}` : ''}${zone}`;
}

function duckBlob(hex: string): string {
  return (hex.match(/../g) ?? []).map((b) => `\\x${b.toUpperCase()}`).join('');
}
