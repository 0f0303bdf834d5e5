import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import sqlParser from 'node-sql-parser';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCatalog } from '../../catalog/catalog.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { Topics } from '../../schemas/topics.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { SEED_ENTITY, SEED_REQUEST } from '../support/metric-fixtures.ts';
import { startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { SEED_CSV_ACTION } from '../../demo/seed-csv-request.ts';
import { startTestWorker } from '../support/worker.ts';
import { TABLES_ONLY_GRANT } from '../support/grants.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const { Parser } = sqlParser;

// Metric, report and CSV-generator requests through Kafka → worker → S3, for their recipient.
describe('export worker: metrics, reports and the CSV generator', () => {
  const workspaceId = `wm-${randomUUID().slice(0, 8)}`;
  let engines: MetricEngines;
  let db: pg.Client;
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;
  let s3: S3Client;

  beforeAll(async () => {
    const infra = inject('infra');
    engines = await startMetricEngines(infra, ['postgres']);
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    // A fact "table" that takes 10 ms a row, behind a report whose queries may take 500 ms.
    await db.query(
      `CREATE VIEW "${engines.pgSchema}".footfall_slow AS
         SELECT f.*, pg_sleep(0.01) IS NULL AS slept FROM "${engines.pgSchema}".footfall_hourly f`,
    );
    const data = structuredClone(engines.engines[0]!.catalog.data);
    data.metrics.footfall_slow = {
      ...data.metrics.footfall!,
      table: `${engines.pgSchema}.footfall_slow`,
      measures: { slow_entries: { aggregate: 'sum', column: 'entries' } },
    };
    const visual = structuredClone(data.reports[0]!.pages[0]!.visuals[0]!);
    visual.query.measures = ['slow_entries'];
    data.reports.push({
      id: 'slow-report',
      title: 'Too slow for its timeout',
      queryTimeoutMs: 500,
      pages: [{ id: 'page_1', title: 'Slow', visuals: [visual] }],
    });
    const pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateRowPolicies(pool);
    const policies = createPgPolicyStore(pool);
    await policies.putPolicy({
      workspaceId,
      policyId: 'ceo-sees-all',
      subject: { kind: 'user', name: 'ceo' },
      allow: 'all',
    });
    await policies.putPolicy({
      workspaceId,
      policyId: 'bob-sees-one-store',
      subject: { kind: 'user', name: 'bob' },
      allow: { entity: [SEED_ENTITY] },
    });
    await pool.end();
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed]);
    producer = kafka.producer();
    await producer.connect();
    s3 = testS3Client();
    worker = await startTestWorker([{ name: 'metrics', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT }], {
      catalog: createCatalog(data),
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    s3?.destroy();
    await db?.query(`DELETE FROM sluice_row_policies WHERE workspace_id = $1`, [workspaceId]);
    await db?.end();
    await engines?.close();
  });

  const submit = async (
    query: unknown,
    format: string,
    who: { requestedBy: string; recipient?: string },
    options?: Record<string, unknown>,
  ) => {
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
            source: 'metrics',
            query,
            format,
            ...who,
            ...(options ? { options } : {}),
          }),
        },
      ],
    });
    const [outcome] = await recorder.waitFor(
      (r) => (r.topic === Topics.completed || r.topic === Topics.failed) && r.json().requestId === requestId,
    );
    return { ok: outcome!.topic === Topics.completed, event: outcome!.json<Json>() };
  };
  const read = async (key: string) => {
    const res = await s3.send(new GetObjectCommand({ Bucket: s3Settings().bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  };
  const csvRows = async (key: string) => parse((await read(key)).toString('utf8')) as string[][];

  it('exports a metric request with the recipient’s rows, not the requester’s', async () => {
    const query = {
      kind: 'metric',
      request: { ...SEED_REQUEST, entities: [SEED_ENTITY, '64a1b2c3d4e5f6a7b8c9d0e1'], facets: [] },
    };
    // Bob asks on the CEO's behalf: the file is the CEO's view (both stores) …
    const forCeo = await submit(query, 'csv', { requestedBy: 'bob', recipient: 'ceo' });
    // … and the CEO asks for Bob: Bob's view (his store only).
    const forBob = await submit(query, 'csv', { requestedBy: 'ceo', recipient: 'bob' });
    // Nobody granted Eve anything: deny by default, a valid file with no rows.
    const forEve = await submit(query, 'csv', { requestedBy: 'eve' });
    expect([forCeo.ok, forBob.ok, forEve.ok]).toEqual([true, true, true]);

    const ceoRows = await csvRows(forCeo.event.key);
    const bobRows = await csvRows(forBob.event.key);
    expect(ceoRows[0]).toEqual(['period', 'entity', 'entries']);
    expect(new Set(ceoRows.slice(1).map((r) => r[1]))).toEqual(
      new Set([SEED_ENTITY, '64a1b2c3d4e5f6a7b8c9d0e1']),
    );
    expect(new Set(bobRows.slice(1).map((r) => r[1]))).toEqual(new Set([SEED_ENTITY]));
    expect(bobRows.slice(1)).toEqual(ceoRows.slice(1).filter((r) => r[1] === SEED_ENTITY));
    expect(await csvRows(forEve.event.key)).toEqual([['period', 'entity', 'entries']]);
    expect(forEve.event.rows).toBe(0);

    // The values are the database's own sums.
    const { rows: truth } = await db.query<{ day: string; entries: string }>(
      `SELECT to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, sum(entries)::text AS entries
         FROM "${engines.pgSchema}".footfall_hourly
        WHERE location_id = $1 AND observed_at BETWEEN '2024-04-01T00:00:00Z' AND '2024-04-30T23:59:59Z'
        GROUP BY 1 ORDER BY 1`,
      [SEED_ENTITY],
    );
    expect(bobRows.slice(1).map((r) => [r[0], r[2]])).toEqual(truth.map((t) => [t.day, t.entries]));
  });

  it('writes, as the sql format, exactly the statement the export runs: executed, it gives the same rows', async () => {
    const query = { kind: 'metric', request: { ...SEED_REQUEST, facets: ['segments'] } };
    const csv = await submit(query, 'csv', { requestedBy: 'ceo' });
    const sql = await submit(query, 'sql', { requestedBy: 'ceo' });
    expect([csv.ok, sql.ok]).toEqual([true, true]);
    const text = (await read(sql.event.key)).toString('utf8');
    const params = JSON.parse(/^-- bound parameters, in order: (.*)$/m.exec(text)![1]!);
    const statement = text
      .split('\n')
      .filter((l) => !l.startsWith('--'))
      .join('\n');
    const { rows } = await db.query({ text: statement, values: params, rowMode: 'array' });
    expect(rows.map((r: unknown[]) => r.map(String))).toEqual((await csvRows(csv.event.key)).slice(1));
  });

  it('writes the SQL for engines it only compiles to (options.sqlDialect), which their parsers accept', async () => {
    const parser = new Parser();
    for (const [dialect, database] of [
      ['bigquery', 'bigquery'],
      ['snowflake', 'snowflake'],
      ['sqlserver', 'transactsql'],
    ] as const) {
      const { ok, event } = await submit(
        { kind: 'report', reportId: 'store-performance', pages: ['page_2'] },
        'sql',
        { requestedBy: 'ceo' },
        { sqlDialect: dialect },
      );
      expect(ok, JSON.stringify(event)).toBe(true);
      const text = (await read(event.key)).toString('utf8');
      expect(text.startsWith(`-- dialect: ${dialect}\n`)).toBe(true);
      const statement = text
        .split('\n')
        .filter((l) => !l.startsWith('--'))
        .join('\n');
      expect(() => parser.astify(statement, { database }), dialect).not.toThrow();
    }
    // Only for the sql format of metric and report requests.
    const wrong = await submit(
      { kind: 'report', reportId: 'store-performance' },
      'csv',
      { requestedBy: 'ceo' },
      {
        sqlDialect: 'bigquery',
      },
    );
    expect(wrong.event).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('writes scaled measures as exact decimals, typed decimal in the schema', async () => {
    const query = {
      kind: 'metric',
      request: {
        start: '2024-04-01T00:00:00Z',
        end: '2024-04-30T23:59:59Z',
        entities: [SEED_ENTITY],
        entityType: 'location',
        aggregationPeriod: 'month',
        measures: ['sales_volume', 'transactions'],
      },
    };
    const { ok, event } = await submit(query, 'ndjson', { requestedBy: 'ceo' });
    expect(ok).toBe(true);
    expect(event.columns).toEqual([
      { name: 'period', type: 'string' },
      { name: 'entity', type: 'string' },
      { name: 'sales_volume', type: 'decimal' },
      { name: 'transactions', type: 'int64' },
    ]);
    const [row] = (await read(event.key))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const { rows } = await db.query<{ cents: string; n: string }>(
      `SELECT sum(amount_cents)::text AS cents, count(*)::text AS n FROM "${engines.pgSchema}".sales_transactions
        WHERE location_id = $1 AND sold_at BETWEEN '2024-04-01T00:00:00Z' AND '2024-04-30T23:59:59Z'`,
      [SEED_ENTITY],
    );
    const cents = BigInt(rows[0]!.cents);
    expect(row).toEqual({
      period: '2024-04-01',
      entity: SEED_ENTITY,
      sales_volume: `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`,
      transactions: rows[0]!.n,
    });
  });

  it('exports two pages of a report as one file per visual plus a manifest, checksums matching', async () => {
    const { ok, event } = await submit(
      {
        kind: 'report',
        reportId: 'store-performance',
        pages: ['page_1', 'page_3'],
        filters: { region: 'North' },
      },
      'parquet',
      { requestedBy: 'ceo' },
    );
    expect(ok, JSON.stringify(event)).toBe(true);
    expect(event.key).toMatch(/manifest\.json$/);
    const manifest = JSON.parse((await read(event.key)).toString('utf8'));
    expect(manifest).toMatchObject({ kind: 'report', reportId: 'store-performance', format: 'parquet' });
    expect(manifest.entries.map((e: Json) => `${e.pageId}/${e.visualId}`)).toEqual([
      'page_1/entries_by_day',
      'page_3/sales_by_month_taxonomy',
    ]);
    for (const entry of manifest.entries) {
      const bytes = await read(entry.key);
      expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
      expect(entry.rows).toBeGreaterThan(0);
    }
    expect(event.rows).toBe(manifest.entries.reduce((n: number, e: Json) => n + e.rows, 0));
    expect(event.files.map((f: Json) => f.key)).toEqual(manifest.entries.map((e: Json) => e.key));
  });

  it('exports a report as SQL: every visual’s statement as it runs, the filter bound', async () => {
    const { ok, event } = await submit(
      { kind: 'report', reportId: 'store-performance', filters: { region: 'North' } },
      'sql',
      { requestedBy: 'ceo' },
    );
    expect(ok).toBe(true);
    const sql = (await read(event.key)).toString('utf8');
    expect(sql.match(/^-- report store-performance, page /gm)).toHaveLength(3);
    expect(sql).toContain(`"${engines.pgSchema}"."footfall_hourly"`);
    expect(sql).toContain('"North"'); // in the bound-parameters comment, never in the statement
    expect(
      sql
        .split('\n')
        .filter((l) => !l.startsWith('--'))
        .join('\n'),
    ).not.toContain('North');
  });

  it('fails a report request naming an unknown page, and leaves no object', async () => {
    const { ok, event } = await submit(
      { kind: 'report', reportId: 'store-performance', pages: ['page_9'] },
      'csv',
      { requestedBy: 'ceo' },
    );
    expect(ok).toBe(false);
    expect(event.code).toBe('REQUEST_INVALID');
    expect(event.message).toContain('page_9');
    const listed = await s3.send(
      new ListObjectsV2Command({
        Bucket: s3Settings().bucket,
        Prefix: `exports/${workspaceId}/${event.jobId}/`,
      }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('runs the seed’s CSV-generator body as a Kafka request kind', async () => {
    const { ok, event } = await submit({ kind: 'csv-generator', body: SEED_CSV_ACTION.data.body }, 'csv', {
      requestedBy: 'ceo',
    });
    expect(ok, JSON.stringify(event)).toBe(true);
    const rows = await csvRows(event.key);
    expect(rows[0]).toEqual(['Date', 'Entries']);
    expect(rows).toHaveLength(31);
    expect(event.rows).toBe(30);
  });

  it('stops a report query that outlives the report’s timeout: QUERY_TIMEOUT, and it is gone from the server', async () => {
    const { ok, event } = await submit({ kind: 'report', reportId: 'slow-report' }, 'csv', {
      requestedBy: 'ceo',
    });
    expect(ok).toBe(false);
    expect(event.code).toBe('QUERY_TIMEOUT');
    const { rows } = await db.query(
      `SELECT pid FROM pg_stat_activity WHERE query LIKE '%footfall_slow%' AND pid <> pg_backend_pid()`,
    );
    expect(rows).toEqual([]);
  });
});
