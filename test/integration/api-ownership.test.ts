import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { Topics } from '../../schemas/topics.ts';
import { startTestApi } from '../support/api.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { OPEN_GRANT } from '../support/grants.ts';
import { startTestWorker } from '../support/worker.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// Jobs belong to people, not only to a workspace; hostile bytes are a 400; API requestIds cannot take a
// Kafka producer's. Over real HTTP, with the real worker, broker and object store behind it.
describe('job API: jobs owned by people, hostile bytes, requestId namespaces', () => {
  const run = randomUUID().slice(0, 8);
  const ws = `own-${run}`;
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;
  let ana: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    const tokens = new TokenStore(pool);
    ana = (await tokens.create({ workspaceId: ws, userId: 'ana', kind: 'interactive' })).token;
    bob = (await tokens.create({ workspaceId: ws, userId: 'bob', kind: 'interactive' })).token;
    admin = (await tokens.create({ workspaceId: ws, userId: 'root', kind: 'interactive', role: 'admin' }))
      .token;
    api = await startTestApi({ sources: [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }] });
    worker = await startTestWorker([{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }]);
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed, Topics.requestsDlq]);
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    await pool?.end();
  });

  const call = async (
    method: string,
    path: string,
    { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; headers: Headers; json: Json }> => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };

  const exportBody = (overrides: Record<string, unknown> = {}) => ({
    source: 'pg',
    query: { kind: 'sql', sql: 'SELECT n FROM generate_series(1, 10) AS n' },
    format: 'csv',
    ...overrides,
  });

  const waitDone = async (token: string, id: string) => {
    for (let i = 0; i < 200; i++) {
      const job = (await call('GET', `/v1/jobs/${id}`, { token })).json;
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
      await sleep(200);
    }
    throw new Error(`job ${id} did not finish`);
  };

  it('a job is seen, downloaded and cancelled by its requester and an admin, never by a colleague', async () => {
    const posted = await call('POST', '/v1/exports', { token: ana, body: exportBody() });
    expect(posted.status).toBe(202);
    const id: string = posted.json.job_id;
    expect((await waitDone(ana, id)).status).toBe('succeeded');

    for (const path of [`/v1/jobs/${id}`, `/v1/jobs/${id}/result`]) {
      expect((await call('GET', path, { token: ana })).status, path).toBe(200);
      expect((await call('GET', path, { token: admin })).status, path).toBe(200);
      const refused = await call('GET', path, { token: bob });
      expect(refused.status, path).toBe(404);
      expect(refused.json.code).toBe('JOB_NOT_FOUND');
    }
    expect((await call('DELETE', `/v1/jobs/${id}`, { token: bob })).status).toBe(404);
    // The owner's own cancel of a finished job is a 409, not a 404: it is theirs.
    expect((await call('DELETE', `/v1/jobs/${id}`, { token: ana })).json.code).toBe('JOB_ALREADY_FINISHED');

    const listed = (token: string) => call('GET', '/v1/jobs?limit=100', { token });
    expect((await listed(ana)).json.jobs.map((j: Json) => j.id)).toContain(id);
    expect((await listed(admin)).json.jobs.map((j: Json) => j.id)).toContain(id);
    expect((await listed(bob)).json.jobs.map((j: Json) => j.id)).not.toContain(id);
  });

  it('a colleague cannot cancel a running job', async () => {
    const posted = await call('POST', '/v1/exports', {
      token: ana,
      body: exportBody({ query: { kind: 'sql', sql: 'SELECT pg_sleep(3), 1 AS n' } }),
    });
    const id: string = posted.json.job_id;
    expect((await call('DELETE', `/v1/jobs/${id}`, { token: bob })).status).toBe(404);
    const cancelled = await call('DELETE', `/v1/jobs/${id}`, { token: ana });
    expect([202, 409]).toContain(cancelled.status);
  });

  it('Idempotency-Key records are per person: a colleague reusing a key gets a job of their own', async () => {
    const key = randomUUID();
    const body = exportBody();
    const first = await call('POST', '/v1/exports', {
      token: ana,
      body,
      headers: { 'idempotency-key': key },
    });
    const replay = await call('POST', '/v1/exports', {
      token: ana,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.json.job_id).toBe(first.json.job_id);
    const colleague = await call('POST', '/v1/exports', {
      token: bob,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(colleague.status).toBe(202);
    expect(colleague.headers.get('idempotent-replayed')).toBeNull();
    expect(colleague.json.job_id).not.toBe(first.json.job_id);
  });

  it('refuses NUL, lone surrogates and deep nesting with a 400 problem naming the field', async () => {
    const deep = '['.repeat(5_000) + ']'.repeat(5_000);
    const cases: [string, string][] = [
      [JSON.stringify(exportBody({ query: { kind: 'sql', sql: 'SELECT 1\u0000' } })), 'query.sql'],
      [JSON.stringify(exportBody({ requestId: 'x' })).replace('"x"', '"\\ud800"'), 'requestId'],
      [JSON.stringify(exportBody()).replace('"format"', `"deep":${deep},"format"`), 'deep.0.0'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', '/v1/exports', { token: ana, body });
      expect(res.status, field).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.json.code).toBe('REQUEST_INVALID');
      expect(res.json.errors[0].field.startsWith(field), res.json.errors[0].field).toBe(true);
    }
    // The CSV generator's envelope too.
    const action = await call('POST', '/v1/actions', {
      token: ana,
      body: {
        action: 'external-service',
        data: { id: 'a\u0000', route: 'external-service/csv-generator', body: {} },
      },
    });
    expect(action.status).toBe(400);
  });

  it('authenticates before reading the body: no token and a body of garbage is a 401', async () => {
    const res = await call('POST', '/v1/exports', { body: '{"source":' });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe('UNAUTHENTICATED');
  });

  it('an API caller cannot take a Kafka producer’s requestId: both jobs run', async () => {
    const requestId = `nightly-${run}`;
    const posted = await call('POST', '/v1/exports', { token: ana, body: exportBody({ requestId }) });
    expect(posted.status).toBe(202);
    expect(posted.json.job_id).toBe(jobIdFor(ws, `api:${requestId}`));
    await producer.send({
      topic: Topics.requests,
      messages: [
        {
          key: ws,
          value: JSON.stringify({
            version: 1,
            requestId,
            workspaceId: ws,
            requestedBy: 'scheduler@svc',
            source: 'pg',
            query: { kind: 'sql', sql: 'SELECT 42 AS answer' },
            format: 'ndjson',
          }),
        },
      ],
    });
    const [done] = await recorder.waitFor(
      (r) => r.topic === Topics.completed && r.json().workspaceId === ws && r.json().requestId === requestId,
    );
    expect(done!.json()).toMatchObject({ jobId: jobIdFor(ws, requestId), rows: 1 });
    expect((await waitDone(ana, posted.json.job_id)).status).toBe('succeeded');
  });
});
