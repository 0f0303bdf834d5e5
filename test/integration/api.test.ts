import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { openApiDocument } from '../../producers/http/openapi.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { startTestApi } from '../support/api.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT } from '../support/grants.ts';

// Bodies are read loosely: the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type JsonResponse = Omit<Response, 'json'> & { json(): Promise<Json> };

// The HTTP job API on the real PostgreSQL, Kafka and S3Proxy, with the real worker behind it.
describe('job API', () => {
  const run = randomUUID().slice(0, 8);
  const wsA = `api-a-${run}`;
  const wsB = `api-b-${run}`;
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 4 });
    await migrateAuthStore(pool);
    const tokens = new TokenStore(pool);
    tokenA = (await tokens.create({ workspaceId: wsA, userId: 'alice', kind: 'interactive' })).token;
    tokenB = (await tokens.create({ workspaceId: wsB, userId: 'bob', kind: 'interactive' })).token;
    api = await startTestApi({
      reportSource: 'pg',
      sources: [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }],
    });
    worker = await startTestWorker([{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }]);
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await pool?.end();
  });

  const call = (
    method: string,
    path: string,
    { token, body, headers = {} }: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse> =>
    fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  const exportBody = (overrides: Record<string, unknown> = {}) => ({
    source: 'pg',
    query: { kind: 'sql', sql: 'SELECT n, n * 2 AS twice FROM generate_series(1, 100) AS n' },
    format: 'csv',
    ...overrides,
  });

  const waitForStatus = async (token: string, id: string, statuses: string[], timeoutMs = 40_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await (await call('GET', `/v1/jobs/${id}`, { token })).json();
      if (statuses.includes(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
      await sleep(200);
    }
  };

  it('accepts an export, runs it, and hands out a downloadable result; other workspaces see nothing', async () => {
    const post = await call('POST', '/v1/exports', { token: tokenA, body: exportBody() });
    expect(post.status).toBe(202);
    const { job_id: id } = await post.json();
    expect(id).toMatch(/^exp_/);
    expect(post.headers.get('location')).toBe(`/v1/jobs/${id}`);
    expect(post.headers.get('ratelimit')).toMatch(/^"interactive";r=\d+;t=\d+$/);

    // A second export of the workspace, for the listing below (reports have their own test file).
    const second = await call('POST', '/v1/exports', {
      token: tokenA,
      body: exportBody({ format: 'ndjson', query: { kind: 'sql', sql: "SELECT 'North' AS region" } }),
    });
    expect(second.status).toBe(202);
    const reportId = (await second.json()).job_id;

    // Before success the result is a 409 naming the status (a fresh job is queued or running).
    const early = await call('GET', `/v1/jobs/${id}/result`, { token: tokenA });
    if (early.status === 409) {
      expect(early.headers.get('content-type')).toContain('application/problem+json');
      const problem = await early.json();
      expect(problem.code).toBe('JOB_NOT_SUCCEEDED');
      expect(problem.detail).toMatch(/queued|running/);
    }

    const done = await waitForStatus(tokenA, id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ id, status: 'succeeded', progress: { rows: 100 } });
    expect(done.progress.bytes).toBeGreaterThan(0);
    expect(Date.parse(done.finished_at)).toBeGreaterThanOrEqual(Date.parse(done.started_at));
    expect(done.error).toBeUndefined();

    const result = await call('GET', `/v1/jobs/${id}/result`, { token: tokenA });
    expect(result.status).toBe(200);
    const { url, expires_at } = await result.json();
    const ttl = (Date.parse(expires_at) - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    const csv = await download.text();
    expect(csv.trim().split('\n')).toHaveLength(101);

    const reportDone = await waitForStatus(tokenA, reportId, ['succeeded', 'failed']);
    expect(reportDone).toMatchObject({ status: 'succeeded', progress: { rows: 1 } });

    // Another workspace's token: the job does not exist for it (404, never 403).
    for (const [method, path] of [
      ['GET', `/v1/jobs/${id}`],
      ['GET', `/v1/jobs/${id}/result`],
      ['DELETE', `/v1/jobs/${id}`],
    ] as const) {
      const res = await call(method, path, { token: tokenB });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await res.json()).code).toBe('JOB_NOT_FOUND');
    }
    // Cancelling a finished job of one's own is a 409.
    const cancelDone = await call('DELETE', `/v1/jobs/${id}`, { token: tokenA });
    expect(cancelDone.status).toBe(409);
    expect((await cancelDone.json()).code).toBe('JOB_ALREADY_FINISHED');

    // Listing and queue depth are per workspace.
    const list = await (await call('GET', '/v1/jobs?status=succeeded&limit=10', { token: tokenA })).json();
    expect(list.jobs.map((j: { id: string }) => j.id)).toEqual(expect.arrayContaining([id, reportId]));
    const listB = await (await call('GET', '/v1/jobs', { token: tokenB })).json();
    expect(listB.jobs).toEqual([]);
    const queue = await (await call('GET', '/v1/queue', { token: tokenA })).json();
    expect(queue).toMatchObject({ workspace_id: wsA, succeeded: 2, failed: 0 });
    expect(await (await call('GET', '/v1/queue', { token: tokenB })).json()).toEqual({
      workspace_id: wsB,
      queued: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    });
  });

  it('refuses missing and invalid tokens with 401 problem+json', async () => {
    for (const token of [undefined, 'slc_not-a-real-token', `${tokenA}x`]) {
      const res = await call('GET', '/v1/queue', { ...(token ? { token } : {}) });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    const post = await call('POST', '/v1/exports', { body: exportBody() });
    expect(post.status).toBe(401);
    // Open endpoints.
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('rejects invalid bodies with 400 naming the field and the rule', async () => {
    const expectInvalid = async (res: JsonResponse, field: string) => {
      expect(res.status).toBe(400);
      const problem = await res.json();
      expect(problem).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      for (const e of problem.errors) expect(e.rule).toEqual(expect.any(String));
    };
    await expectInvalid(
      await call('POST', '/v1/exports', { token: tokenA, body: exportBody({ format: 7 }) }),
      'format',
    );
    await expectInvalid(
      await call('POST', '/v1/exports', { token: tokenA, body: exportBody({ workspaceId: wsB }) }),
      'workspaceId',
    );
    await expectInvalid(
      await call('POST', '/v1/exports', { token: tokenA, body: exportBody({ requestedBy: 'mallory' }) }),
      'requestedBy',
    );
    await expectInvalid(
      await call('POST', '/v1/exports', { token: tokenA, body: exportBody({ query: { kind: 'table' } }) }),
      'query.table',
    );
    await expectInvalid(
      await call('POST', '/v1/exports', { token: tokenA, body: exportBody({ recipient: 'ceo' }) }),
      'recipient',
    );
    await expectInvalid(
      await call('POST', '/v1/exports', { token: tokenA, body: exportBody({ format: 'pdf' }) }),
      'format',
    );
    await expectInvalid(await call('GET', '/v1/jobs?status=bogus', { token: tokenA }), 'status');
    const malformed = await call('POST', '/v1/exports', { token: tokenA, body: '{"source":' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).code).toBe('REQUEST_INVALID');
  });

  it('replays the same Idempotency-Key and body, refuses it with another body', async () => {
    const key = randomUUID();
    const body = exportBody({ query: { kind: 'sql', sql: 'SELECT 1 AS n' } }); // cheap if a worker runs it
    const first = await call('POST', '/v1/exports', {
      token: tokenB,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstId = (await first.json()).job_id;
    const again = await call('POST', '/v1/exports', {
      token: tokenB,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/v1/jobs/${firstId}`);
    expect((await again.json()).job_id).toBe(firstId);
    const other = await call('POST', '/v1/exports', {
      token: tokenB,
      body: exportBody({ query: { kind: 'sql', sql: 'SELECT 1 AS n' }, format: 'ndjson' }),
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect((await other.json()).code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Keys are per workspace: the same key in workspace A is a new request.
    const inA = await call('POST', '/v1/exports', {
      token: tokenA,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(inA.status).toBe(202);
    expect((await inA.json()).job_id).not.toBe(firstId);
  });

  it('rate-limits API tokens per workspace: a burst of 10, then 429 with Retry-After', async () => {
    const fresh = `api-rl-${run}`;
    const { token } = await new TokenStore(pool).create({ workspaceId: fresh, userId: 'ci', kind: 'api' });
    for (let i = 0; i < 10; i++) {
      const res = await call('POST', '/v1/exports', {
        token,
        body: exportBody({ query: { kind: 'sql', sql: 'SELECT 1 AS n' } }),
      });
      expect(res.status, `request ${i + 1}`).toBe(202);
      expect(res.headers.get('ratelimit-policy')).toBe('"api";q=10;w=120');
    }
    const refused = await call('POST', '/v1/exports', {
      token,
      body: exportBody({ query: { kind: 'sql', sql: 'SELECT 1 AS n' } }),
    });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expect(refused.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(await refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const queue = await (await call('GET', '/v1/queue', { token })).json();
    const total = queue.queued + queue.running + queue.succeeded + queue.failed + queue.cancelled;
    expect(total).toBe(10);
  });

  it('cancels a job that has not finished', async () => {
    const post = await call('POST', '/v1/exports', {
      token: tokenA,
      body: exportBody({ query: { kind: 'sql', sql: 'SELECT pg_sleep(5), 1 AS n' } }),
    });
    const { job_id: id } = await post.json();
    const del = await call('DELETE', `/v1/jobs/${id}`, { token: tokenA });
    expect([202, 409]).toContain(del.status);
    if (del.status === 202) {
      expect(await del.json()).toMatchObject({ id, status: 'cancelled' });
      const job = await (await call('GET', `/v1/jobs/${id}`, { token: tokenA })).json();
      expect(job.status).toBe('cancelled');
      expect(job.finished_at).not.toBeNull();
      const result = await call('GET', `/v1/jobs/${id}/result`, { token: tokenA });
      expect(result.status).toBe(409);
    } else {
      expect((await del.json()).code).toBe('JOB_ALREADY_FINISHED');
    }
    const unknown = await call('DELETE', `/v1/jobs/exp_nope${run}`, { token: tokenA });
    expect(unknown.status).toBe(404);
  });

  it('serves an OpenAPI 3.1 document listing every route', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/healthz',
        '/openapi.json',
        '/metrics',
        '/jobs',
        '/v1/exports',
        '/v1/jobs',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/result',
        '/v1/queue',
        '/v1/reports/{id}/export',
        '/v1/reports/{id}/visuals/{visualId}/export',
        '/v1/reports/{id}/shared-links',
        '/v1/reports/{id}/shared-links/{linkId}',
        '/v1/shared-links/{token}/export',
        '/v1/csv-generator',
        '/v1/actions',
        '/v1/schedules',
        '/v1/schedules/{id}',
        '/v1/schedules/{id}/runs',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/v1/jobs/{id}']).sort()).toEqual(['delete', 'get']);
    const unknown = await call('GET', '/v1/nothing', { token: tokenA });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe('ROUTE_NOT_FOUND');
  });
});
