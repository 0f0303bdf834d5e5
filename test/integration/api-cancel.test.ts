import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { startTestApi } from '../support/api.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT } from '../support/grants.ts';

// Bodies are read loosely: the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// DELETE on a running export stops it everywhere: the query on the database, the multipart upload in S3.
describe('job API: cancelling a running export', () => {
  const run = randomUUID().slice(0, 8);
  const workspaceId = `cancel-${run}`;
  const marker = `cancel_${run}`;
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let s3: S3Client;
  let token: string;

  beforeAll(async () => {
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    token = (await new TokenStore(pool).create({ workspaceId, userId: 'ci', kind: 'interactive' })).token;
    s3 = testS3Client();
    api = await startTestApi({ sources: [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }] });
    // A short lease: progress is recorded, and a cancellation noticed, about every second.
    worker = await startTestWorker([{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }], {
      leaseMs: 3_000,
    });
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    s3?.destroy();
    await pool?.end();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  const openUploads = async (prefix: string) =>
    (await s3.send(new ListMultipartUploadsCommand({ Bucket: s3Settings().bucket, Prefix: prefix })))
      .Uploads ?? [];
  const objects = async (prefix: string) =>
    (await s3.send(new ListObjectsV2Command({ Bucket: s3Settings().bucket, Prefix: prefix }))).Contents ?? [];
  const queriesRunning = async () =>
    (
      await pool.query(`SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [
        `%${marker}%`,
      ])
    ).rows.length;

  it('stops the query, aborts the multipart upload, leaves no object, and stays cancelled', async () => {
    const post = await call('POST', '/v1/exports', {
      source: 'pg',
      // Far more rows than the test waits for, so only a cancellation ends it; two small series joined,
      // because PostgreSQL materialises a set-returning function's rows before the first one streams.
      query: {
        kind: 'sql',
        sql:
          `SELECT a * 100000 + b AS ${marker}, md5(b::text) AS h, repeat('x', 200) AS pad ` +
          `FROM generate_series(1, 10000) a, generate_series(1, 100000) b`,
      },
      format: 'csv',
      options: { partSizeMiB: 5 },
    });
    expect(post.status).toBe(202);
    const id: string = post.body.job_id;
    const prefix = `exports/${workspaceId}/${id}/`;

    // Running, with parts already uploaded and the query live on the server.
    let job: { status: string; progress: { rows: number; bytes: number } } | undefined;
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      job = (await call('GET', `/v1/jobs/${id}`)).body;
      if (job!.status === 'running' && job!.progress.bytes > 12 * 1024 * 1024) break;
      await sleep(200);
    }
    expect(job).toMatchObject({ status: 'running' });
    expect(job!.progress.bytes).toBeGreaterThan(12 * 1024 * 1024);
    expect(await openUploads(prefix)).toHaveLength(1);
    expect(await queriesRunning()).toBe(1);

    const del = await call('DELETE', `/v1/jobs/${id}`);
    expect(del).toMatchObject({ status: 202, body: { id, status: 'cancelled' } });

    // The worker notices at its next lease renewal (a second here) and tears everything down.
    const stopBy = Date.now() + 20_000;
    while (Date.now() < stopBy && ((await openUploads(prefix)).length > 0 || (await queriesRunning()) > 0)) {
      await sleep(200);
    }
    expect(await openUploads(prefix)).toEqual([]);
    expect(await queriesRunning()).toBe(0);
    expect(await objects(prefix)).toEqual([]);

    // Nothing the worker did afterwards turned it into a success or a failure.
    await sleep(1_500);
    const after = (await call('GET', `/v1/jobs/${id}`)).body;
    expect(after.status).toBe('cancelled');
    expect((await call('GET', `/v1/jobs/${id}/result`)).status).toBe(409);
    expect((await call('DELETE', `/v1/jobs/${id}`)).body.code).toBe('JOB_ALREADY_FINISHED');
  });
});
