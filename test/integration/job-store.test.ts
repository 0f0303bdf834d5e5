import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { JobResult } from '../../jobs/job.ts';
import { JobStore, type NewJob, type SchedulingPolicy } from '../../jobs/job-store.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';

/**
 * JobStore against the real PostgreSQL. Every test works in its own consumer group and workspaces, so rows
 * other suites leave in sluice_jobs are invisible to it. Time is moved by rewriting a row's timestamps
 * (a lease that lapsed, a retry that is due), never by waiting.
 */
describe('JobStore (real PostgreSQL)', () => {
  let pool: pg.Pool;
  let store: JobStore;
  let group: string;
  let policy: SchedulingPolicy;
  const LEASE_MS = 60_000;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 4 });
    await migrateJobStore(pool);
    store = new JobStore(pool);
  });

  afterAll(async () => {
    await pool?.end();
  });

  beforeEach(() => {
    group = `test-store-${randomUUID()}`;
    policy = { group, workspaceMaxRunning: 2, maxAttempts: 2 };
  });

  const newJob = (workspaceId: string, overrides: Partial<NewJob> = {}): NewJob => {
    const requestId = randomUUID();
    return {
      jobId: `exp_${randomUUID()}`,
      workspaceId,
      requestId,
      requestHash: `hash-${requestId}`,
      request: { requestId, workspaceId },
      format: 'csv',
      ...overrides,
    };
  };
  const workspace = () => `ws-${randomUUID().slice(0, 8)}`;
  const admitted = async (job: NewJob) => {
    const result = await store.admit(job, group);
    expect(result.kind).toBe('admitted');
    return job;
  };
  /** What another worker or the clock would have done to a row. */
  const setRow = (jobId: string, assignments: string) =>
    pool.query(`UPDATE sluice_jobs SET ${assignments} WHERE job_id = $1`, [jobId]);
  const result = (key: string): JobResult => ({
    format: 'csv',
    bucket: 'b',
    key,
    rows: 3,
    bytes: 42,
    sha256: 'ab'.repeat(32),
    contentType: 'text/csv',
    columns: [{ name: 'id', type: 'int64' }],
  });

  describe('admit', () => {
    it('queues a new job, then answers a redelivery with the same row', async () => {
      const job = newJob(workspace());
      const first = await store.admit(job, group);
      expect(first).toMatchObject({
        kind: 'admitted',
        job: { jobId: job.jobId, status: 'queued', attempts: 0 },
      });
      expect(await store.admit(job, group)).toMatchObject({ kind: 'admitted', job: { jobId: job.jobId } });
      expect((await store.queueDepth(job.workspaceId)).queued).toBe(1);
    });

    it('calls the same id with a different body a conflict, and leaves the first body', async () => {
      const job = await admitted(newJob(workspace()));
      const other = { ...job, requestHash: 'another-hash', request: { other: true } };
      const answer = await store.admit(other, group);
      expect(answer).toMatchObject({ kind: 'conflict', job: { requestHash: job.requestHash } });
      expect((await store.get(job.jobId))!.request).toEqual(job.request);
    });

    it('answers a finished job from the store instead of queueing it again', async () => {
      const job = await admitted(newJob(workspace()));
      await store.fail(job.jobId, undefined, {
        code: 'REQUEST_INVALID',
        message: 'x: bad',
        retriable: false,
      });
      expect(await store.admit(job, group)).toMatchObject({ kind: 'finished', job: { status: 'failed' } });
    });

    it('admits a job the API wrote for the first group that sees its event, and only that group', async () => {
      const job = newJob(workspace());
      await pool.query(
        `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued')`,
        [job.jobId, job.workspaceId, job.requestId, job.requestHash, JSON.stringify(job.request), job.format],
      );
      // Written but not admitted: no worker may run it before its Kafka event arrives.
      expect(await store.next('w1', LEASE_MS, policy)).toBeUndefined();
      await admitted(job);
      const otherGroup = `test-store-${randomUUID()}`;
      await store.admit(job, otherGroup);
      expect(await store.next('w2', LEASE_MS, { ...policy, group: otherGroup })).toBeUndefined();
      expect(await store.next('w1', LEASE_MS, policy)).toMatchObject({
        kind: 'claimed',
        job: { jobId: job.jobId },
      });
    });
  });

  describe('next: fair across workspaces, capped per workspace', () => {
    it('takes each workspace’s oldest job, the least loaded workspace first, and respects the cap', async () => {
      const a = workspace();
      const b = workspace();
      const a1 = await admitted(newJob(a));
      const a2 = await admitted(newJob(a));
      const a3 = await admitted(newJob(a));
      const b1 = await admitted(newJob(b));
      const order: string[] = [];
      for (;;) {
        const next = await store.next('w1', LEASE_MS, policy);
        if (!next) break;
        expect(next.kind).toBe('claimed');
        order.push(next.job.jobId);
      }
      // a1 (a has no turn yet, oldest), b1 (b has fewer running), a2; a3 waits: a is at its cap of 2.
      expect(order).toEqual([a1.jobId, b1.jobId, a2.jobId]);
      expect(await store.queueDepth(a)).toMatchObject({ running: 2, queued: 1 });
      await store.succeed(a1.jobId, 'w1', result('a1.csv'));
      expect(await store.next('w1', LEASE_MS, policy)).toMatchObject({ job: { jobId: a3.jobId } });
    });

    it('claims with a lease, counts the attempt and records the turn', async () => {
      const job = await admitted(newJob(workspace()));
      const next = await store.next('w1', LEASE_MS, policy);
      expect(next).toMatchObject({ kind: 'claimed', job: { status: 'running', attempts: 1 } });
      expect(next!.job.startedAt).toBeInstanceOf(Date);
      const { rows } = await pool.query<{ lease_owner: string; lease_left: boolean }>(
        `SELECT lease_owner, lease_expires_at > now() AS lease_left FROM sluice_jobs WHERE job_id = $1`,
        [job.jobId],
      );
      expect(rows[0]).toEqual({ lease_owner: 'w1', lease_left: true });
    });

    it('leaves a requeued job until its backoff is over', async () => {
      const job = await admitted(newJob(workspace()));
      await store.next('w1', LEASE_MS, policy);
      expect(await store.requeue(job.jobId, 'w1', 60_000)).toBe(true);
      expect(await store.next('w1', LEASE_MS, policy)).toBeUndefined();
      await setRow(job.jobId, `not_before = now() - interval '1 second'`);
      expect(await store.next('w1', LEASE_MS, policy)).toMatchObject({
        job: { jobId: job.jobId, attempts: 2 },
      });
    });

    it('takes over a job whose lease lapsed, and fails it once its worker died maxAttempts times', async () => {
      const job = await admitted(newJob(workspace()));
      await store.next('dead-1', LEASE_MS, policy);
      expect(await store.next('w2', LEASE_MS, policy)).toBeUndefined(); // a live lease is never taken
      await setRow(job.jobId, `lease_expires_at = now() - interval '1 second'`);
      const taken = await store.next('w2', LEASE_MS, policy);
      expect(taken).toMatchObject({ kind: 'claimed', job: { attempts: 2 } });
      // The first worker's renewals now fail: its lease is gone.
      expect(await store.renew(job.jobId, 'dead-1', LEASE_MS, { rows: 1, bytes: 1 })).toBe('lost');
      await setRow(job.jobId, `lease_expires_at = now() - interval '1 second'`);
      const abandoned = await store.next('w3', LEASE_MS, policy);
      expect(abandoned).toMatchObject({
        kind: 'abandoned',
        job: { status: 'failed', error: { code: 'JOB_ABANDONED', retriable: false } },
      });
    });

    it('hands a released job back at once without counting the run', async () => {
      const job = await admitted(newJob(workspace()));
      await store.next('w1', LEASE_MS, policy);
      await store.release(job.jobId, 'w1');
      expect(await store.next('w2', LEASE_MS, policy)).toMatchObject({
        job: { jobId: job.jobId, attempts: 1 },
      });
    });
  });

  describe('a running job', () => {
    it('renews its lease with progress while held, and learns of a cancellation', async () => {
      const job = await admitted(newJob(workspace()));
      await store.next('w1', LEASE_MS, policy);
      expect(await store.renew(job.jobId, 'w1', LEASE_MS, { rows: 10, bytes: 100 })).toBe('held');
      expect(await store.get(job.jobId)).toMatchObject({ rows: 10, bytes: 100 });
      expect(await store.cancel(job.jobId, job.workspaceId)).toMatchObject({ kind: 'cancelled' });
      expect(await store.renew(job.jobId, 'w1', LEASE_MS, { rows: 20, bytes: 200 })).toBe('cancelled');
      // A cancelled job's result is discarded.
      expect(await store.succeed(job.jobId, 'w1', result('late.csv'))).toBeUndefined();
      expect((await store.get(job.jobId))!.status).toBe('cancelled');
    });

    it('records success for its owner only, with the result and counts', async () => {
      const job = await admitted(newJob(workspace()));
      await store.next('w1', LEASE_MS, policy);
      expect(await store.succeed(job.jobId, 'someone-else', result('x.csv'))).toBeUndefined();
      const done = await store.succeed(job.jobId, 'w1', result('x.csv'));
      expect(done).toMatchObject({
        status: 'succeeded',
        rows: 3,
        bytes: 42,
        result: result('x.csv'),
        error: null,
      });
      expect(done!.finishedAt).toBeInstanceOf(Date);
    });

    it('fails for its owner, or for anyone before it ran; never a finished job', async () => {
      const running = await admitted(newJob(workspace()));
      await store.next('w1', LEASE_MS, policy);
      const error = { code: 'QUERY_FAILED', message: 'no', retriable: false } as const;
      expect(await store.fail(running.jobId, 'someone-else', error)).toBeUndefined();
      expect(await store.fail(running.jobId, 'w1', error)).toMatchObject({ status: 'failed', error });
      expect(await store.fail(running.jobId, undefined, error)).toBeUndefined();
      const queued = await admitted(newJob(workspace()));
      expect(await store.fail(queued.jobId, undefined, error)).toMatchObject({ status: 'failed' });
    });
  });

  describe('cancel, listing and outcomes', () => {
    it('cancels only this workspace’s unfinished jobs', async () => {
      const job = await admitted(newJob(workspace()));
      expect(await store.cancel(job.jobId, 'another-workspace')).toEqual({ kind: 'not_found' });
      expect(await store.cancel(`exp_${randomUUID()}`, job.workspaceId)).toEqual({ kind: 'not_found' });
      expect(await store.cancel(job.jobId, job.workspaceId)).toMatchObject({ kind: 'cancelled' });
      expect(await store.cancel(job.jobId, job.workspaceId)).toMatchObject({
        kind: 'finished',
        job: { status: 'cancelled' },
      });
    });

    it('lists a workspace’s jobs newest first, by status, a page at a time', async () => {
      const ws = workspace();
      const jobs = [];
      for (let i = 0; i < 3; i++) jobs.push(await admitted(newJob(ws)));
      // Distinct creation instants, so the order is the test's, not the clock's resolution.
      for (const [i, job] of jobs.entries()) {
        await setRow(job.jobId, `created_at = now() - make_interval(secs => ${10 - i})`);
      }
      await store.cancel(jobs[0]!.jobId, ws);
      const ids = (list: { jobId: string }[]) => list.map((j) => j.jobId);
      expect(ids(await store.listForWorkspace(ws, { limit: 10 }))).toEqual(ids([...jobs].reverse()));
      expect(ids(await store.listForWorkspace(ws, { limit: 2 }))).toEqual([jobs[2]!.jobId, jobs[1]!.jobId]);
      expect(ids(await store.listForWorkspace(ws, { limit: 2, before: jobs[1]!.jobId }))).toEqual([
        jobs[0]!.jobId,
      ]);
      expect(ids(await store.listForWorkspace(ws, { status: 'cancelled', limit: 10 }))).toEqual([
        jobs[0]!.jobId,
      ]);
      expect(await store.queueDepth(ws)).toEqual({
        queued: 2,
        running: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 1,
      });
    });

    it('hands out finished jobs whose event was never sent, once, after the grace period', async () => {
      const job = await admitted(newJob(workspace()));
      const error = { code: 'QUERY_FAILED', message: 'no', retriable: false } as const;
      await store.fail(job.jobId, undefined, error);
      const mine = (jobs: { jobId: string }[]) => jobs.filter((j) => j.jobId === job.jobId);
      expect(mine(await store.claimUnemitted('w1', 60_000, 1000))).toEqual([]); // still within the grace
      await setRow(job.jobId, `finished_at = now() - interval '2 minutes'`);
      // Past the grace but still leased to the worker that failed it, which is sending the event itself.
      expect(mine(await store.claimUnemitted('w1', 60_000, 1000))).toEqual([]);
      await setRow(job.jobId, `lease_expires_at = now() - interval '1 second'`);
      expect(mine(await store.claimUnemitted('w1', 60_000, 1000))).toHaveLength(1);
      expect(mine(await store.claimUnemitted('w2', 60_000, 1000))).toEqual([]); // leased to w1 now
      await store.markEmitted(job.jobId);
      await setRow(job.jobId, `lease_expires_at = NULL`);
      expect(mine(await store.claimUnemitted('w2', 60_000, 1000))).toEqual([]);
      expect((await store.get(job.jobId))!.eventEmittedAt).toBeInstanceOf(Date);
    });
  });
});
