import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { spawnApiProcess, type ApiProcess } from '../support/api-process.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT } from '../support/grants.ts';

// Bodies are read loosely: the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The API plans every request against its sources: `pg` is granted to every workspace, raw SQL included. */
const startApiProcess = (extraEnv: Record<string, string> = {}) =>
  spawnApiProcess(inject('infra') as unknown as Record<string, string>, {
    SLUICE_SOURCE_PG: inject('infra').DATABASE_URL,
    SLUICE_SOURCE_PG_WORKSPACES: '*',
    SLUICE_SOURCE_PG_TABLES: '*',
    SLUICE_SOURCE_PG_RAW_SQL: 'true',
    ...extraEnv,
  });

/** A TCP port nothing listens on: a broker that is down, as far as a client can tell. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The job API as operators run it: separate `sluice api` processes sharing PostgreSQL and Kafka.
describe('job API across processes', () => {
  const run = randomUUID().slice(0, 8);
  let pool: pg.Pool;
  let tokens: TokenStore;
  let first: ApiProcess;
  let second: ApiProcess;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    tokens = new TokenStore(pool);
    [first, second] = await Promise.all([startApiProcess(), startApiProcess()]);
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await pool?.end();
  });

  // Requests that pass planning and cost a worker nothing much if one runs them.
  const body = () => ({ source: 'pg', query: { kind: 'sql', sql: 'SELECT 1 AS n' }, format: 'csv' });
  const post = (api: ApiProcess, token: string) =>
    fetch(`${api.url}/v1/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body()),
    });

  it('holds the API-token burst of 10 per workspace across two processes', async () => {
    const { token } = await tokens.create({ workspaceId: `rl-api-${run}`, userId: 'ci', kind: 'api' });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 14; i++) {
      const res = await post(i % 2 === 0 ? first : second, token);
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    // Each process alone would have allowed 10: together they allow 10.
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(202));
    expect(statuses.slice(10)).toEqual(Array(4).fill(429));
    const retryAfter = Number(refused!.headers.get('retry-after'));
    // 300 per hour is one token every 12 s.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expect(refused!.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/);
    expect(await refused!.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });

  it('holds the interactive limit of 30 per minute per user across two processes, per user', async () => {
    const workspaceId = `rl-ui-${run}`;
    const alice = (await tokens.create({ workspaceId, userId: 'alice', kind: 'interactive' })).token;
    const bob = (await tokens.create({ workspaceId, userId: 'bob', kind: 'interactive' })).token;
    const statuses = await Promise.all(
      Array.from({ length: 34 }, (_, i) => post(i % 2 === 0 ? first : second, alice).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 202)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    // Another user of the same workspace has a bucket of their own.
    expect((await post(second, bob)).status).toBe(202);
  });
});

// A publish failure (the broker unreachable) must not lose an accepted job.
describe('job API with the broker down', () => {
  const run = randomUUID().slice(0, 8);
  const workspaceId = `down-${run}`;
  let pool: pg.Pool;
  let token: string;
  let worker: WorkerService | undefined;
  const apis: ApiProcess[] = [];

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    token = (await new TokenStore(pool).create({ workspaceId, userId: 'ci', kind: 'api' })).token;
  });

  afterAll(async () => {
    await Promise.all(apis.map((a) => a.stop()));
    await worker?.stop();
    await pool?.end();
  });

  it('accepts the export, keeps it queued, and completes it once a broker is reachable', async () => {
    const down = await startApiProcess({ KAFKA_BROKERS: `127.0.0.1:${await closedPort()}` });
    apis.push(down);
    const res = await fetch(`${down.url}/v1/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        source: 'pg',
        query: { kind: 'sql', sql: 'SELECT n FROM generate_series(1, 7) AS n' },
        format: 'csv',
      }),
    });
    expect(res.status).toBe(202);
    const { job_id: id } = (await res.json()) as Json;

    // The request is durable (job row and outbox row) but not published while the broker is down.
    await sleep(2_000);
    const job = (await (
      await fetch(`${down.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Json;
    expect(job.status).toBe('queued');
    const outbox = await pool.query(`SELECT published_at FROM sluice_outbox WHERE job_id = $1`, [id]);
    expect(outbox.rows).toEqual([{ published_at: null }]);
    await down.stop();

    // An API process that reaches the broker publishes the kept row; a worker then runs the job.
    apis.push(await startApiProcess());
    worker = await startTestWorker([{ name: 'pg', url: inject('infra').DATABASE_URL, grant: OPEN_GRANT }]);
    const deadline = Date.now() + 40_000;
    let status = '';
    while (Date.now() < deadline) {
      ({ status } = (await (
        await fetch(`${apis[1]!.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as Json);
      if (status === 'succeeded' || status === 'failed') break;
      await sleep(250);
    }
    expect(status).toBe('succeeded');
    const { url } = (await (
      await fetch(`${apis[1]!.url}/v1/jobs/${id}/result`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Json;
    expect((await (await fetch(url)).text()).trim().split('\n')).toHaveLength(8);
  });
});
