import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadDemoCatalog } from '../../catalog/catalog.ts';
import { silentLogger } from '../../core/logger.ts';
import { JobScheduler, type SchedulerConfig } from '../../consumers/export-worker/job-scheduler.ts';
import { OutcomePublisher } from '../../consumers/export-worker/publisher.ts';
import type { RunnerDeps } from '../../consumers/export-worker/run-claimed-job.ts';
import { SourceRegistry } from '../../dialects/source-registry.ts';
import type { Job } from '../../jobs/job.ts';
import { JobStore } from '../../jobs/job-store.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';
import type { ExportCompleted, ExportFailed } from '../../schemas/export-outcome.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { presignGet } from '../../sinks/s3/presign.ts';
import { testKafka } from '../support/kafka.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { createSourceCatalog } from '../../planning/source-catalog.ts';
import { OPEN_GRANT } from '../support/grants.ts';

/** The real outcome publisher (the real broker), remembering what it sent so the test can read it back. */
class RecordingPublisher extends OutcomePublisher {
  readonly completedEvents: ExportCompleted[] = [];
  readonly failedEvents: ExportFailed[] = [];
  override async completed(event: ExportCompleted): Promise<void> {
    await super.completed(event);
    this.completedEvents.push(event);
  }
  override async failed(event: ExportFailed): Promise<void> {
    await super.failed(event);
    this.failedEvents.push(event);
  }
}

/**
 * The job scheduler on its own: real PostgreSQL (job store and the source), real S3Proxy, real Kafka for
 * the outcome events; no Kafka intake — jobs are admitted straight into the store, as intake would.
 * Each test uses a consumer group of its own, so other suites' jobs are not its business.
 */
describe('JobScheduler (real PostgreSQL, S3Proxy, Kafka)', () => {
  const schema = `sched_${randomUUID().slice(0, 8)}`;
  const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
  let pool: pg.Pool;
  let store: JobStore;
  let producer: Producer;
  let s3: S3Client;
  let sources: SourceRegistry;

  beforeAll(async () => {
    const url = inject('infra').DATABASE_URL;
    pool = new pg.Pool({ connectionString: url, max: 6 });
    await migrateJobStore(pool);
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE "${schema}".t AS SELECT g AS id FROM generate_series(1, 100) g`);
    store = new JobStore(pool);
    producer = testKafka().producer();
    await producer.connect();
    s3 = testS3Client();
    sources = new SourceRegistry([{ name: 'pg', url }]);
  });

  afterAll(async () => {
    await sources?.closeAll();
    s3?.destroy();
    await producer?.disconnect();
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });

  function start(overrides: Partial<SchedulerConfig> = {}) {
    const group = `test-scheduler-${randomUUID()}`;
    const publisher = new RecordingPublisher(producer);
    const deps: RunnerDeps = {
      store,
      publisher,
      presign: (bucket, key, ttl) => presignGet(s3, bucket, key, ttl),
      workerId: `worker-${randomUUID().slice(0, 8)}`,
      log: silentLogger,
      runtime: {
        sources,
        s3: { client: s3, bucket: s3Settings().bucket },
        planning: {
          catalog: loadDemoCatalog(),
          policies: createPgPolicyStore(pool),
          sources: createSourceCatalog(sources, [
            { name: 'pg', url: inject('infra').DATABASE_URL, grant: OPEN_GRANT },
          ]),
        },
      },
      leaseMs: 30_000,
      maxAttempts: 2,
    };
    const config: SchedulerConfig = {
      group,
      workspaceMaxRunning: 4,
      maxAttempts: 2,
      concurrency: 2,
      pollMs: 50,
      outcomeGraceMs: 60_000,
      ...overrides,
    };
    const shutdown = new AbortController();
    const scheduler = new JobScheduler(deps, config, shutdown.signal);
    const admit = async (body: Record<string, unknown>): Promise<string> => {
      const requestId = randomUUID();
      const request = {
        version: 1,
        requestId,
        workspaceId,
        requestedBy: 'tester@example.com',
        format: 'csv',
        ...body,
      };
      const jobId = `exp_${randomUUID()}`;
      const admitted = await store.admit(
        { jobId, workspaceId, requestId, requestHash: requestId, request, format: 'csv' },
        group,
      );
      expect(admitted.kind).toBe('admitted');
      scheduler.wake();
      return jobId;
    };
    const stop = async () => {
      shutdown.abort(new Error('test over'));
      await scheduler.drain();
    };
    return { scheduler, publisher, group, deps, admit, stop };
  }

  const settled = (jobId: string) =>
    vi.waitFor(
      async () => {
        const job = await store.get(jobId);
        expect(job?.eventEmittedAt ?? job?.status === 'cancelled').toBeTruthy();
        return job!;
      },
      { timeout: 60_000, interval: 50 },
    );

  it('runs its group’s jobs to the end and sends one outcome event each', async () => {
    const { scheduler, publisher, admit, stop } = start();
    scheduler.start();
    try {
      const ok = await admit({ source: 'pg', query: { kind: 'table', table: `${schema}.t` } });
      const unknown = await admit({ source: 'nowhere', query: { kind: 'table', table: 't' } });
      const done: Job = await settled(ok);
      expect(done).toMatchObject({ status: 'succeeded', rows: 100, attempts: 1 });
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: s3Settings().bucket, Key: done.result!.key }),
      );
      expect(head.ContentLength).toBe(done.bytes);
      expect(publisher.completedEvents.filter((e) => e.jobId === ok)).toMatchObject([{ rows: 100 }]);
      expect(await settled(unknown)).toMatchObject({ status: 'failed', error: { code: 'SOURCE_UNKNOWN' } });
      expect(publisher.failedEvents.filter((e) => e.jobId === unknown)).toMatchObject([
        { code: 'SOURCE_UNKNOWN', retriable: false },
      ]);
    } finally {
      await stop();
    }
  });

  it('runs at most `concurrency` jobs at once: with one, each starts after the previous finished', async () => {
    const { scheduler, admit, stop } = start({ concurrency: 1 });
    const slow = { source: 'pg', query: { kind: 'sql', sql: 'SELECT pg_sleep(0.2) IS NULL AS slept' } };
    const ids = [await admit(slow), await admit(slow), await admit(slow)];
    scheduler.start();
    try {
      const jobs = [];
      for (const id of ids) jobs.push(await settled(id));
      expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const byStart = [...jobs].sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
      for (let i = 1; i < byStart.length; i++) {
        expect(byStart[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(
          byStart[i - 1]!.finishedAt!.getTime(),
        );
      }
    } finally {
      await stop();
    }
  });

  it('fails a job whose workers kept dying (JOB_ABANDONED) and says so on the failed topic', async () => {
    const { scheduler, publisher, admit, stop } = start();
    const jobId = await admit({ source: 'pg', query: { kind: 'table', table: `${schema}.t` } });
    // Two earlier runs whose worker vanished: the lease lapsed with attempts at maxAttempts.
    await pool.query(
      `UPDATE sluice_jobs SET status = 'running', attempts = 2, lease_owner = 'gone',
              lease_expires_at = now() - interval '1 second' WHERE job_id = $1`,
      [jobId],
    );
    scheduler.start();
    try {
      expect(await settled(jobId)).toMatchObject({ status: 'failed', error: { code: 'JOB_ABANDONED' } });
      expect(publisher.failedEvents.filter((e) => e.jobId === jobId)).toMatchObject([
        { code: 'JOB_ABANDONED' },
      ]);
    } finally {
      await stop();
    }
  });

  it('sends an outcome another worker finished but never sent', async () => {
    const { scheduler, publisher, admit, stop } = start({ outcomeGraceMs: 1_000 });
    const jobId = await admit({ source: 'pg', query: { kind: 'table', table: `${schema}.t` } });
    await store.fail(jobId, undefined, { code: 'QUERY_FAILED', message: 'refused', retriable: false });
    // It died after recording the failure: its emission lease lapsed with it.
    await pool.query(
      `UPDATE sluice_jobs SET finished_at = now() - interval '1 minute', lease_expires_at = now() - interval '1 second'
        WHERE job_id = $1`,
      [jobId],
    );
    scheduler.start();
    try {
      await settled(jobId);
      expect(publisher.failedEvents.filter((e) => e.jobId === jobId)).toMatchObject([
        { code: 'QUERY_FAILED' },
      ]);
    } finally {
      await stop();
    }
  });

  it('on shutdown, drain hands a running job back to the queue without counting the run', async () => {
    const { scheduler, admit, stop } = start();
    const jobId = await admit({
      source: 'pg',
      query: { kind: 'sql', sql: 'SELECT pg_sleep(30) IS NULL AS slept' },
    });
    scheduler.start();
    await vi.waitFor(async () => expect((await store.get(jobId))?.status).toBe('running'), {
      timeout: 30_000,
      interval: 50,
    });
    await stop();
    expect(await store.get(jobId)).toMatchObject({ status: 'queued', attempts: 0, eventEmittedAt: null });
    await store.cancel(jobId, workspaceId); // not left for other suites' schedulers
  });
});
