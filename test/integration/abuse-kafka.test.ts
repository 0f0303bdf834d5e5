import { randomBytes, randomUUID } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { IHeaders, Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { createLogger } from '../../core/logger.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { keySafePartitioner } from '../../schemas/partitioner.ts';
import { DlqHeaders, Topics } from '../../schemas/topics.ts';
import { OPEN_GRANT, TABLES_ONLY_GRANT } from '../support/grants.ts';
import { TopicRecorder, testKafka, type ReceivedRecord } from '../support/kafka.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { startTestWorker } from '../support/worker.ts';

/**
 * The Kafka abuse corpus, through one real worker: poison values go to the DLQ with their code and reason,
 * bytes and key untouched; addressable but wrong requests fail their job with a code; none of them leaves an
 * object, a succeeded job, or a changed row behind. Plus: a source URL's password never shows in a log line,
 * an event, a job record or an API answer.
 */
const SECRET = 's3cret';
const LEAKY_URL = `postgres://user:${SECRET}@127.0.0.1:1/x`;

interface KafkaCase {
  name: string;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
  /** DLQ code and a reason it must match; or the ExportFailed code. */
  dlq?: [string, RegExp];
  failed?: string;
}

describe('Kafka abuse corpus', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `abk_${run.replaceAll('-', '')}`;
  const ws = `abuse-k-${run}`;
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => void lines.push(line) });
  let db: pg.Client;
  let worker: WorkerService;
  let api: ApiService;
  let recorder: TopicRecorder;
  let producer: Producer;
  const cases: KafkaCase[] = [];
  const sent = new Map<KafkaCase, { key: Buffer | null; value: Buffer | null; marker: string }>();

  const request = (over: Record<string, unknown> = {}) => ({
    version: 1,
    requestId: `r-${randomUUID()}`,
    workspaceId: ws,
    requestedBy: 'tester@example.com',
    source: 'wh',
    query: { kind: 'table', table: `${schema}.items` },
    format: 'csv',
    ...over,
  });
  const withQuery = (q: Record<string, unknown>) =>
    request({ query: { kind: 'table', table: `${schema}.items`, ...q } });

  // Poison values: not a JSON object naming a job.
  const marker = () => `m-${randomUUID()}`;
  const dlq = (
    name: string,
    value: (m: string) => Buffer | string,
    reason: RegExp,
    key?: Buffer | string | null,
  ) => {
    const m = marker();
    const c: KafkaCase = {
      name,
      value: value(m),
      dlq: ['REQUEST_MALFORMED', reason],
      ...(key !== undefined ? { key } : {}),
    };
    cases.push(c);
  };
  dlq('plain text', (m) => `hello ${m}`, /not JSON/);
  dlq('random binary', (m) => Buffer.concat([randomBytes(64), Buffer.from(m), randomBytes(64)]), /not JSON/);
  dlq('a JSON array', (m) => JSON.stringify([m]), /not a JSON object/);
  dlq('a JSON string', (m) => JSON.stringify(m), /not a JSON object/);
  dlq('truncated JSON', (m) => JSON.stringify(request({ requestedBy: m })).slice(0, -5), /not JSON/);
  dlq(
    'no workspaceId',
    (m) => JSON.stringify({ ...request({ requestedBy: m }), workspaceId: undefined }),
    /no valid workspaceId/,
  );
  dlq(
    'no requestId',
    (m) => JSON.stringify({ ...request({ requestedBy: m }), requestId: undefined }),
    /no valid workspaceId/,
  );
  dlq(
    'a numeric requestId',
    (m) => JSON.stringify(request({ requestId: 7, requestedBy: m })),
    /no valid workspaceId/,
  );
  dlq(
    'a 201-character requestId',
    (m) => JSON.stringify(request({ requestId: 'r'.repeat(201), requestedBy: m })),
    /no valid workspaceId/,
  );
  for (const w of ['../other', '..%2Fother', '/abs', 'a\\b', '.', 'ws/../../x', 'ws\u202Ex', ''])
    dlq(
      `workspaceId ${JSON.stringify(w)}`,
      (m) => JSON.stringify(request({ workspaceId: w, requestedBy: m })),
      /no valid workspaceId/,
    );
  dlq(
    'version 2',
    (m) => JSON.stringify(request({ version: 2, requestedBy: m })),
    /unsupported request version 2/,
  );
  dlq(
    'version as a string',
    (m) => JSON.stringify(request({ version: '1', requestedBy: m })),
    /unsupported request version/,
  );
  dlq(
    'NUL in requestedBy',
    (m) => JSON.stringify(request({ requestedBy: `${m}\u0000` })),
    /must not contain NUL/,
  );
  dlq(
    'a lone surrogate',
    (m) => JSON.stringify(request({ requestedBy: m })).replace(m, `${m}\\udfff`),
    /well-formed Unicode/,
  );
  dlq(
    '100,000-deep arrays',
    (m) =>
      JSON.stringify(request({ requestedBy: m })).replace(
        '"format"',
        `"x":${'['.repeat(100_000)}${']'.repeat(100_000)},"format"`,
      ),
    /nested at most 32 levels/,
  );
  dlq(
    'a 1,000,001-character string',
    (m) => JSON.stringify(request({ requestedBy: m, sql: 'x'.repeat(1_000_001) })),
    /at most 1000000 characters|1,000,000/,
  );
  dlq(
    '200,001 values',
    (m) => JSON.stringify(request({ requestedBy: m, pad: Array(200_001).fill(0) })),
    /at most 200000 values/,
  );
  dlq(
    'Avro framing naming an unknown schema id',
    (m) => Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from(m)]),
    /./,
  );
  dlq(
    'a wrong magic byte before JSON',
    (m) => Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(request({ requestedBy: m })))]),
    /not JSON/,
  );
  dlq('a UTF-8 BOM before JSON', (m) => `\ufeff${JSON.stringify(request({ requestedBy: m }))}`, /not JSON/);
  // Odd keys and headers with poison values: the DLQ keeps the key's bytes.
  dlq('a null key', (m) => `nope ${m}`, /not JSON/, null);
  dlq('a binary key', (m) => `nope ${m}`, /not JSON/, randomBytes(32));
  dlq('a 1 MB key', (m) => `nope ${m}`, /not JSON/, 'k'.repeat(1_000_000));
  dlq('an empty key', (m) => `nope ${m}`, /not JSON/, '');
  const withHeaders = (name: string, headers: IHeaders) => {
    const m = marker();
    cases.push({ name, value: `nope ${m}`, headers, dlq: ['REQUEST_MALFORMED', /not JSON/] });
  };
  withHeaders('binary headers', { 'x-bin': randomBytes(64), traceparent: randomBytes(55) });
  withHeaders('a forged DLQ code header', { [DlqHeaders.code]: 'NONE', [DlqHeaders.reason]: 'fine' });
  withHeaders('a 100 KB header', { 'x-big': 'h'.repeat(100_000) });
  withHeaders(
    '200 headers',
    Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-h${i}`, String(i)])),
  );
  withHeaders('a malformed traceparent', { traceparent: '00-zz-\r\nx' });

  // Addressable but wrong: the job fails with a code.
  const fail = (name: string, body: Record<string, unknown>, code: string, key?: Buffer | string | null) =>
    cases.push({ name, value: JSON.stringify(body), failed: code, ...(key !== undefined ? { key } : {}) });
  fail('query as a string', request({ query: 'SELECT 1' }), 'REQUEST_INVALID');
  fail('format as a number', request({ format: 7 }), 'REQUEST_INVALID');
  fail('a format spelling a path', request({ format: '../../csv' }), 'REQUEST_INVALID');
  fail('an unknown field', request({ extra: true }), 'REQUEST_INVALID');
  fail('an unknown source', request({ source: 'nowhere' }), 'SOURCE_UNKNOWN');
  fail('source with a path', request({ source: '../wh' }), 'REQUEST_INVALID');
  fail(
    'raw SQL on a tables-only source',
    request({ query: { kind: 'sql', sql: `DELETE FROM ${schema}.canary` } }),
    'RAW_SQL_NOT_ALLOWED',
  );
  fail('a system catalog', withQuery({ table: 'pg_catalog.pg_authid' }), 'TABLE_NOT_GRANTED');
  fail("sluice's own tables", withQuery({ table: 'public.sluice_tokens' }), 'TABLE_NOT_GRANTED');
  // SQL injection in every name of a table query: refused as names that do not exist.
  for (const [field, q] of [
    ['table', { table: `${schema}.items; DROP TABLE ${schema}.canary` }],
    ['table (quoted)', { table: `${schema}."items"" ; DELETE FROM ${schema}.canary; --"` }],
    ['columns', { columns: ['id', `name FROM ${schema}.canary; --`] }],
    ['a filter column', { filters: [{ column: 'id) OR (1=1', op: 'eq', value: 1 }] }],
    ['orderBy', { orderBy: [{ column: `id; DELETE FROM ${schema}.canary` }] }],
    ['orderBy direction', { orderBy: [{ column: 'id', direction: 'asc; DROP TABLE x' }] }],
  ] as const)
    fail(
      `SQL injection in ${field}`,
      withQuery(q),
      field === 'table' || field === 'table (quoted)'
        ? 'REQUEST_INVALID'
        : field === 'orderBy direction'
          ? 'REQUEST_INVALID'
          : 'COLUMN_NOT_FOUND',
    );
  fail('a negative limit', withQuery({ limit: -1 }), 'REQUEST_INVALID');
  fail('a null key with a bad request', request({ source: 'nowhere' }), 'SOURCE_UNKNOWN', null);
  fail('a binary key with a bad request', request({ source: 'nowhere' }), 'SOURCE_UNKNOWN', randomBytes(16));
  fail('another workspace as the key', request({ source: 'nowhere' }), 'SOURCE_UNKNOWN', 'someone-else');
  fail('a source whose URL carries a password', request({ source: 'leaky' }), 'SOURCE_UNAVAILABLE');

  beforeAll(async () => {
    const infra = inject('infra');
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(
      `CREATE TABLE ${schema}.items AS SELECT g AS id, 'item ' || g AS name FROM generate_series(1, 50) g`,
    );
    await db.query(`CREATE TABLE ${schema}.canary AS SELECT g AS id FROM generate_series(1, 3) g`);
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed, Topics.requestsDlq]);
    // A 1 MB key through kafkajs's own partitioner would take minutes of CPU (schemas/partitioner.ts).
    producer = kafka.producer({ createPartitioner: keySafePartitioner });
    await producer.connect();
    const sources = [
      { name: 'wh', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT },
      { name: 'leaky', url: LEAKY_URL, grant: OPEN_GRANT },
    ];
    worker = await startTestWorker(sources, { log });
    api = await startApiWithLog(sources);
    for (const c of cases) {
      const value = c.value === null ? null : Buffer.from(c.value);
      const key = c.key === undefined ? Buffer.from(ws) : c.key === null ? null : Buffer.from(c.key);
      const m = /m-[0-9a-f-]{36}|r-[0-9a-f-]{36}/.exec(value?.toString('latin1') ?? '')?.[0] ?? '';
      sent.set(c, { key, value, marker: m });
      await producer.send({
        topic: Topics.requests,
        messages: [{ key, value, ...(c.headers ? { headers: c.headers } : {}) }],
      });
    }
  });

  async function startApiWithLog(sources: { name: string; url: string; grant: typeof OPEN_GRANT }[]) {
    const { startApiService } = await import('../../producers/http/service.ts');
    const infra = inject('infra');
    return startApiService(
      {
        databaseUrl: infra.DATABASE_URL,
        brokers: infra.KAFKA_BROKERS.split(','),
        s3: s3Settings(),
        host: '127.0.0.1',
        port: 0,
        sources,
      },
      log,
    );
  }

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
  });

  const find = async (c: KafkaCase): Promise<ReceivedRecord> => {
    const { value, marker: m } = sent.get(c)!;
    if (c.dlq) {
      const [record] = await recorder.waitFor(
        (r) => r.topic === Topics.requestsDlq && r.value !== null && value !== null && r.value.equals(value),
        1,
        60_000,
      );
      return record!;
    }
    const requestId = JSON.parse(String(c.value)).requestId;
    expect(requestId).toBe(m);
    const [record] = await recorder.waitFor(
      (r) => r.topic === Topics.failed && r.json().requestId === requestId,
      1,
      60_000,
    );
    return record!;
  };

  it('has at least 55 cases', () => expect(cases.length).toBeGreaterThanOrEqual(55));

  for (const c of cases) {
    it(c.dlq ? `${c.name}: DLQ ${c.dlq[0]}` : `${c.name}: ExportFailed ${c.failed}`, async () => {
      const record = await find(c);
      if (c.dlq) {
        expect(record.headers[DlqHeaders.code]).toBe(c.dlq[0]);
        expect(record.headers[DlqHeaders.reason]).toMatch(c.dlq[1]);
        expect(record.headers[DlqHeaders.topic]).toBe(Topics.requests);
        const { key } = sent.get(c)!;
        if (key === null) expect(record.keyBytes).toBeNull();
        else expect(record.keyBytes?.equals(key)).toBe(true);
      } else {
        const event = record.json<{
          code: string;
          retriable: boolean;
          message: string;
          workspaceId: string;
        }>();
        expect(event.code, event.message).toBe(c.failed);
        expect(event.workspaceId).toBe(ws);
        expect(event.message).not.toContain(SECRET);
      }
    });
  }

  it('changed nothing: no succeeded job, no object, no job for a dead letter, the canary intact', async () => {
    // Every addressable case has its failed job; none succeeded (the leaky source's may still be retrying).
    const { rows } = await db.query(`SELECT status, request_id FROM sluice_jobs WHERE workspace_id = $1`, [
      ws,
    ]);
    expect(rows.filter((r) => r.status === 'succeeded')).toEqual([]);
    expect(rows.length).toBeLessThanOrEqual(cases.filter((c) => c.failed).length); // dead letters: no job
    expect(rows.filter((r) => r.status === 'failed').length).toBeGreaterThanOrEqual(
      cases.filter((c) => c.failed).length - 1,
    );
    const listed = await testS3Client().send(
      new ListObjectsV2Command({ Bucket: s3Settings().bucket, Prefix: `exports/${ws}/` }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.canary`)).rows[0].n).toBe(3);
    expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.items`)).rows[0].n).toBe(50);
  });

  it('SQL injection in every value field stays a value: 0 extra rows, nothing changed', async () => {
    const injections = [
      { column: 'name', op: 'eq', value: "x' OR '1'='1" },
      { column: 'name', op: 'eq', value: `x'; DELETE FROM ${schema}.canary; --` },
      { column: 'name', op: 'in', value: ["a') OR ('1'='1", 'b'] },
      { column: 'name', op: 'not_in', value: ["') OR 1=1 --"] },
      { column: 'id', op: 'gt', value: '0 OR 1=1' },
      { column: 'name', op: 'eq', value: '\\x27 OR 1=1' },
    ];
    const bodies = injections.map((f) => withQuery({ filters: [f] }));
    for (const body of bodies)
      await producer.send({ topic: Topics.requests, messages: [{ key: ws, value: JSON.stringify(body) }] });
    const outcomes = await Promise.all(
      bodies.map(async (body) => {
        const [r] = await recorder.waitFor(
          (x) =>
            (x.topic === Topics.completed || x.topic === Topics.failed) &&
            x.json().workspaceId === ws &&
            x.json().requestId === body.requestId,
        );
        return r!;
      }),
    );
    // A value is compared as a value: no injected filter matches a row, except not_in, which is honest.
    const rows = outcomes.map((o) =>
      o.topic === Topics.completed ? o.json<{ rows: number }>().rows : o.json<{ code: string }>().code,
    );
    expect(rows).toEqual([0, 0, 0, 50, expect.stringMatching(/QUERY_FAILED|REQUEST_INVALID/), 0]);
    expect((await db.query(`SELECT count(*)::int AS n FROM ${schema}.canary`)).rows[0].n).toBe(3);
  });

  it('a requestId spelling a path still lands under exports/{workspace}/{jobId}/', async () => {
    const body = request({ requestId: '../../../etc/passwd/..\\x' });
    await producer.send({ topic: Topics.requests, messages: [{ key: ws, value: JSON.stringify(body) }] });
    const [done] = await recorder.waitFor(
      (r) =>
        r.topic === Topics.completed && r.json().workspaceId === ws && r.json().requestId === body.requestId,
    );
    const { key } = done!.json<{ key: string }>();
    expect(key).toMatch(new RegExp(`^exports/${ws}/exp_[a-z0-9]+/exp_[a-z0-9]+\\.csv$`));
  });

  it(`never shows the source URL's password: not in logs, events, job records or API answers`, async () => {
    const infra = inject('infra');
    const pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    try {
      await migrateAuthStore(pool);
      const { token } = await new TokenStore(pool).create({
        workspaceId: ws,
        userId: 'u',
        kind: 'interactive',
      });
      const post = await fetch(`${api.url}/v1/exports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'leaky', query: { kind: 'table', table: 'public.t' }, format: 'csv' }),
      });
      const answer = await post.text();
      expect(post.status, answer).toBeGreaterThanOrEqual(400);
      expect(answer).toMatch(/SOURCE_UNAVAILABLE/);
      expect(answer).not.toContain(SECRET);
      const leaky = cases.find((c) => c.name.includes('password'))!;
      const failed = await find(leaky);
      expect(failed.value!.toString()).not.toContain(SECRET);
      const jobs = await pool.query(
        `SELECT row_to_json(j)::text AS j FROM sluice_jobs j WHERE workspace_id = $1`,
        [ws],
      );
      expect(jobs.rows.length).toBeGreaterThan(0);
      for (const row of jobs.rows) expect(row.j).not.toContain(SECRET);
      const listed = await fetch(`${api.url}/v1/jobs?limit=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await listed.text()).not.toContain(SECRET);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter((l) => l.includes(SECRET))).toEqual([]);
      expect(lines.some((l) => l.includes('user:') || l.includes('127.0.0.1:1'))).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
