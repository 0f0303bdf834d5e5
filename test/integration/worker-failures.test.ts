import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { jobIdFor, requestHash } from '../../jobs/job-id.ts';
import { DlqHeaders, Topics } from '../../schemas/topics.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT, TABLES_ONLY_GRANT } from '../support/grants.ts';

// Bad input never crashes the worker or blocks a partition; the same request twice is one job.
describe('export worker: bad input, redelivery', () => {
  const schema = `wf_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
  let db: pg.Client;
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    const infra = inject('infra');
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(
      `CREATE TABLE ${schema}.items AS SELECT g AS id, 'item ' || g AS name FROM generate_series(1, 500) g`,
    );
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed, Topics.requestsDlq]);
    producer = kafka.producer();
    await producer.connect();
    worker = await startTestWorker([
      { name: 'wh', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT },
      { name: 'wh_raw', url: infra.DATABASE_URL, grant: OPEN_GRANT },
      // Granted to another workspace only; and one that serves this workspace a single other table.
      { name: 'wh_other', url: infra.DATABASE_URL, grant: { ...OPEN_GRANT, workspaces: ['someone-else'] } },
      { name: 'wh_narrow', url: infra.DATABASE_URL, grant: { ...OPEN_GRANT, tables: [`${schema}.other`] } },
    ]);
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
  });

  const request = (overrides: Record<string, unknown> = {}) => ({
    version: 1,
    requestId: randomUUID(),
    workspaceId,
    requestedBy: 'tester@example.com',
    source: 'wh',
    query: { kind: 'table', table: `${schema}.items` },
    format: 'csv',
    ...overrides,
  });

  const send = async (value: string | Buffer, key = workspaceId) =>
    producer.send({ topic: Topics.requests, messages: [{ key, value }] });

  const failureOf = async (requestId: string) => {
    const [record] = await recorder.waitFor(
      (r) => r.topic === Topics.failed && r.json().requestId === requestId,
    );
    return record!.json<{ code: string; message: string; retriable: boolean; jobId: string }>();
  };

  it('dead-letters bytes that name no job, keeping the original bytes and the reason', async () => {
    const marker = randomUUID();
    const garbage = Buffer.concat([Buffer.from(`{"not json ${marker}`), Buffer.from([0xff, 0x00, 0xfe])]);
    await send(garbage);
    await send(JSON.stringify({ hello: marker }));
    const letters = await recorder.waitFor(
      (r) => r.topic === Topics.requestsDlq && (r.value?.includes(marker) ?? false),
      2,
    );
    const raw = letters.find((l) => l.value!.equals(garbage))!;
    expect(raw).toBeDefined();
    expect(raw.key).toBe(workspaceId);
    expect(raw.headers[DlqHeaders.code]).toBe('REQUEST_MALFORMED');
    expect(raw.headers[DlqHeaders.reason]).toMatch(/not JSON/);
    expect(raw.headers[DlqHeaders.topic]).toBe(Topics.requests);
    expect(raw.headers[DlqHeaders.offset]).toMatch(/^\d+$/);
    const other = letters.find((l) => l !== raw)!;
    expect(other.headers[DlqHeaders.reason]).toMatch(/no valid workspaceId and requestId/);
  });

  it('dead-letters NUL, a lone surrogate and deep nesting with the reason, and the partition keeps flowing', async () => {
    const marker = randomUUID();
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const hostile: [string, RegExp][] = [
      [JSON.stringify(request({ requestedBy: `nul\u0000${marker}` })), /requestedBy: must not contain NUL/],
      [
        JSON.stringify(request({ requestedBy: marker })).replace(marker, `${marker}\\ud800`),
        /requestedBy: must be well-formed Unicode/,
      ],
      [
        JSON.stringify(request({ requestedBy: marker })).replace(
          '"format"',
          `"deep":${deep(20_000)},"format"`,
        ),
        /deep(\.0)+: nested at most 32 levels deep/,
      ],
    ];
    for (const [value] of hostile) await send(value);
    // A good request behind them on the same partition (same key) is still answered.
    const after = request();
    await send(JSON.stringify(after));
    const letters = await recorder.waitFor(
      (r) => r.topic === Topics.requestsDlq && (r.value?.includes(marker) ?? false),
      hostile.length,
    );
    for (const [value, reason] of hostile) {
      const letter = letters.find((l) => l.value!.toString() === value);
      expect(letter, String(reason)).toBeDefined();
      expect(letter!.headers[DlqHeaders.reason]).toMatch(reason);
    }
    await recorder.waitFor((r) => r.topic === Topics.completed && r.json().requestId === after.requestId);
  });

  it('a raw SQL export that would delete rows fails QUERY_NOT_READ_ONLY and deletes nothing', async () => {
    const body = request({
      source: 'wh_raw',
      query: { kind: 'sql', sql: `WITH d AS (DELETE FROM ${schema}.items RETURNING *) SELECT * FROM d` },
    });
    await send(JSON.stringify(body));
    expect(await failureOf(body.requestId)).toMatchObject({ code: 'QUERY_NOT_READ_ONLY', retriable: false });
    expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.items`)).rows[0].n).toBe(500);
  });

  const failures: [string, Record<string, unknown>, string, RegExp][] = [
    ['an invalid request', { requestedBy: undefined }, 'REQUEST_INVALID', /requestedBy/],
    // Which sources exist is not told to a caller.
    [
      'an unknown source',
      { source: 'nowhere' },
      'SOURCE_UNKNOWN',
      /^no source named "nowhere" is configured$/,
    ],
    ['a source granted to another workspace', { source: 'wh_other' }, 'SOURCE_NOT_GRANTED', /wh_other/],
    ['a table off the allow-list', { source: 'wh_narrow' }, 'TABLE_NOT_GRANTED', /items/],
    [
      "sluice's own job table through raw SQL",
      { source: 'wh_raw', query: { kind: 'sql', sql: 'SELECT request FROM sluice_jobs' } },
      'TABLE_NOT_GRANTED',
      /sluice_jobs/,
    ],
    [
      'a missing table',
      { query: { kind: 'table', table: `${schema}.missing` } },
      'TABLE_NOT_FOUND',
      /missing/,
    ],
    [
      'a missing column',
      { query: { kind: 'table', table: `${schema}.items`, columns: ['id', 'nope'] } },
      'COLUMN_NOT_FOUND',
      /nope/,
    ],
    // Planning names the field, as the API's 400 does.
    ['an unknown format', { format: 'xlsb' }, 'REQUEST_INVALID', /format: "xlsb" is not one of/],
    [
      'raw SQL on a source that does not allow it',
      { query: { kind: 'sql', sql: 'SELECT 1' } },
      'RAW_SQL_NOT_ALLOWED',
      /wh/,
    ],
    [
      'an SQL error',
      { source: 'wh_raw', query: { kind: 'sql', sql: `SELECT id / (id - id) FROM ${schema}.items` } },
      'QUERY_FAILED',
      /division by zero/,
    ],
    [
      'an unknown column in raw SQL',
      { source: 'wh_raw', query: { kind: 'sql', sql: `SELECT nope FROM ${schema}.items` } },
      'COLUMN_NOT_FOUND',
      /nope/,
    ],
    [
      'an injection attempt in a column name',
      { query: { kind: 'table', table: `${schema}.items`, columns: ['id" FROM pg_shadow --'] } },
      'COLUMN_NOT_FOUND',
      /pg_shadow/,
    ],
  ];
  for (const [name, overrides, code, message] of failures) {
    it(`answers ${name} with ExportFailed ${code}`, async () => {
      const body = request(overrides);
      await send(JSON.stringify(body));
      const failed = await failureOf(body.requestId);
      expect(failed).toMatchObject({ code, retriable: false, jobId: jobIdFor(workspaceId, body.requestId) });
      expect(failed.message).toMatch(message);
      const row = await worker.store.get(failed.jobId);
      expect(row).toMatchObject({ status: 'failed', error: { code } });
    });
  }

  it('goes on consuming after all of that, and runs one job for a request delivered twice', async () => {
    const body = request();
    await send(JSON.stringify(body));
    await send(JSON.stringify(body));
    const jobId = jobIdFor(workspaceId, body.requestId);
    const [done] = await recorder.waitFor((r) => r.topic === Topics.completed && r.json().jobId === jobId);
    expect(done!.json()).toMatchObject({ rows: 500, requestId: body.requestId });
    // A later request on the same key lands on the same partition, so once it completes the duplicate
    // before it has been handled too.
    const later = request();
    await send(JSON.stringify(later));
    await recorder.waitFor((r) => r.topic === Topics.completed && r.json().requestId === later.requestId);
    const events = recorder.records.filter((r) => r.topic === Topics.completed && r.json().jobId === jobId);
    expect(events).toHaveLength(1);
    const client = testS3Client();
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: s3Settings().bucket, Prefix: `exports/${workspaceId}/${jobId}/` }),
    );
    client.destroy();
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([
      `exports/${workspaceId}/${jobId}/${jobId}.csv`,
    ]);
    const job = await worker.store.get(jobId);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('sends nothing for a redelivery of a job another worker finished and is still announcing', async () => {
    const body = request();
    const jobId = jobIdFor(workspaceId, body.requestId);
    // The moment between "succeeded" being recorded and the outcome being marked sent: the finishing worker
    // holds the emission lease and sends the one completion event itself.
    await db.query(
      `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status, attempts,
                                lease_owner, lease_expires_at, started_at, finished_at, admitted_at, rows, bytes,
                                result)
       VALUES ($1, $2, $3, $4, $5, 'csv', 'succeeded', 1, 'finishing-worker', now() + interval '60 seconds',
               now(), now(), now(), 500, 10,
               '{"bucket":"b","key":"k","rows":500,"bytes":10,"sha256":"00","contentType":"text/csv","format":"csv","columns":[]}')`,
      [jobId, workspaceId, body.requestId, requestHash(body), JSON.stringify(body)],
    );
    await send(JSON.stringify(body));
    // A later request on the same key is handled after the redelivery.
    const later = request();
    await send(JSON.stringify(later));
    await recorder.waitFor((r) => r.topic === Topics.completed && r.json().requestId === later.requestId);
    const about = recorder.records.filter((r) => r.topic !== Topics.requestsDlq && r.json().jobId === jobId);
    expect(about).toEqual([]);
    expect(await worker.store.get(jobId)).toMatchObject({ status: 'succeeded', eventEmittedAt: null });
  });

  it('takes over a job whose worker died once its lease lapses, and runs it once', async () => {
    const body = request();
    const jobId = jobIdFor(workspaceId, body.requestId);
    // A worker that claimed the job and then vanished: its lease runs 3 more seconds.
    await db.query(
      `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status, attempts,
                                lease_owner, lease_expires_at, started_at)
       VALUES ($1, $2, $3, $4, $5, 'csv', 'running', 1, 'dead-worker', now() + interval '3 seconds', now())`,
      [jobId, workspaceId, body.requestId, requestHash(body), JSON.stringify(body)],
    );
    const sent = Date.now();
    await send(JSON.stringify(body));
    const [done] = await recorder.waitFor((r) => r.topic === Topics.completed && r.json().jobId === jobId);
    expect(Date.now() - sent).toBeGreaterThan(2_000); // it waited for the lease
    expect(done!.json()).toMatchObject({ rows: 500 });
    expect(await worker.store.get(jobId)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('dead-letters a reused requestId that carries a different request', async () => {
    const body = request();
    await send(JSON.stringify(body));
    const jobId = jobIdFor(workspaceId, body.requestId);
    await recorder.waitFor((r) => r.topic === Topics.completed && r.json().jobId === jobId);
    await send(JSON.stringify({ ...body, format: 'ndjson' }));
    const [letter] = await recorder.waitFor(
      (r) =>
        r.topic === Topics.requestsDlq &&
        r.headers[DlqHeaders.code] === 'REQUEST_CONFLICT' &&
        r.value!.includes(body.requestId),
    );
    expect(letter!.headers[DlqHeaders.reason]).toMatch(/different request/);
    // The producer hears it on the failed topic, not only through the DLQ.
    expect(await failureOf(body.requestId)).toMatchObject({
      code: 'REQUEST_CONFLICT',
      jobId,
      retriable: false,
    });
    // The first job is untouched.
    expect(await worker.store.get(jobId)).toMatchObject({ status: 'succeeded' });
  });
});
