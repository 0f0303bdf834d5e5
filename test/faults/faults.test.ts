import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, onTestFailed } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import {
  OutcomeLog,
  expectExactlyOnce,
  privateS3,
  produceRequest,
  serviceEnv,
  slowExport,
  spawnService,
  spawnWorker,
  waitFor,
  waitForOpenUpload,
  type ServiceProcess,
} from './support/harness.ts';
import { startPrivateInfra, type PrivateInfra } from './support/private-infra.ts';

// Faults injected into a running export — servers killed, stalled or cut off, processes killed, the group
// rebalanced — on a Kafka broker and an S3Proxy of this file's own. Whatever happens, each request ends
// exactly once: one completion event, one object, no open multipart upload, and the object's bytes those of
// an uninterrupted export.
describe('faults', () => {
  const run = randomUUID().slice(0, 8);
  const group = `faults-${run}`;
  // The job store's connections carry this name, so a test can cut exactly them off.
  const storeApp = `sluice-faults-store-${run}`;
  let infra: PrivateInfra;
  let outcomes: OutcomeLog;
  let s3: S3Client;
  let pool: pg.Pool;
  let worker: ServiceProcess;
  const others: ServiceProcess[] = [];
  // ~10 MB of CSV (two 5 MiB parts and a tail), a few seconds of work with the source's pauses.
  const rows = 250_000;

  const startWorker = () =>
    spawnWorker(infra.settings, group, {
      DATABASE_URL: `${infra.settings.DATABASE_URL}?application_name=${storeApp}`,
    });

  beforeAll(async () => {
    infra = await startPrivateInfra(inject('infra'));
    pool = new pg.Pool({ connectionString: infra.settings.DATABASE_URL, max: 2 });
    s3 = privateS3(infra.settings);
    outcomes = await OutcomeLog.start(infra.settings.KAFKA_BROKERS);
    worker = await startWorker();
  });

  afterAll(async () => {
    // SLUICE_FAULTS_LOG=file keeps the worker's whole log, for reading a timeline after a run.
    if (process.env.SLUICE_FAULTS_LOG && worker)
      writeFileSync(process.env.SLUICE_FAULTS_LOG, worker.output());
    await Promise.all([worker, ...others].map((p) => p?.stop()));
    await outcomes?.stop();
    s3?.destroy();
    await pool?.end();
    await infra?.dispose();
  });

  // A failure shows what the worker said: its log is the only witness of what the fault did to it.
  beforeEach(async () => {
    // A test that failed mid-fault leaves no server down for the next one.
    infra.s3.resume();
    infra.kafka.resume();
    await Promise.all([infra.kafka.start(), infra.s3.start()]);
    const from = worker?.output().length ?? 0;
    const current = worker;
    onTestFailed(() => {
      console.error(`worker log:\n${current?.output().slice(from).split('\n').slice(-60).join('\n')}`);
    });
  });

  const exactlyOnce = (request: { workspaceId: string; requestId: string }) =>
    expectExactlyOnce({ pool, s3, bucket: infra.settings.S3_BUCKET, outcomes, request, rows });

  const uploadOpen = (request: { workspaceId: string; requestId: string }) =>
    waitForOpenUpload(
      s3,
      infra.settings.S3_BUCKET,
      `exports/${request.workspaceId}/${jobIdFor(request.workspaceId, request.requestId)}/`,
    );

  const jobStatus = async (request: { workspaceId: string; requestId: string }) => {
    const { rows: found } = await pool.query<{ status: string; admitted_at: Date | null }>(
      `SELECT status, admitted_at FROM sluice_jobs WHERE job_id = $1`,
      [jobIdFor(request.workspaceId, request.requestId)],
    );
    return found[0];
  };

  it('the Kafka broker killed mid-export and between intake and run', async () => {
    // Two long exports fill the workspace's two slots, so the third is admitted and waits in the queue.
    const workspaceId = `ws-kafka-${run}`;
    const [a, b, queued] = [1, 2, 3].map(() => slowExport(workspaceId, rows));
    for (const request of [a!, b!, queued!]) await produceRequest(infra.settings.KAFKA_BROKERS, request);
    await uploadOpen(a!);
    await waitFor('the third request admitted and queued', async () => {
      const job = await jobStatus(queued!);
      return job?.admitted_at && job.status === 'queued' ? job : undefined;
    });
    await infra.kafka.kill();
    try {
      // The first two finish and the third starts while the broker is down: runs and outcomes must not
      // depend on Kafka being there.
      await waitFor('the queued job to start', async () =>
        (await jobStatus(queued!))?.status === 'running' ? true : undefined,
      );
    } finally {
      // Down for as long as a restart takes (a JVM start and log recovery: ~10-20 s here).
      await infra.kafka.start();
    }
    for (const request of [a!, b!, queued!]) await exactlyOnce(request);
  });

  it('the object store stalled (SIGSTOP) for 10 s mid-upload', async () => {
    const request = slowExport(`ws-s3stall-${run}`, rows);
    await produceRequest(infra.settings.KAFKA_BROKERS, request);
    await uploadOpen(request);
    infra.s3.pause();
    try {
      await sleep(10_000);
    } finally {
      infra.s3.resume();
    }
    await exactlyOnce(request);
  });

  it('the object store SIGKILLed mid-upload and restarted after ~10 s', async () => {
    const request = slowExport(`ws-s3kill-${run}`, rows);
    await produceRequest(infra.settings.KAFKA_BROKERS, request);
    await uploadOpen(request);
    await infra.s3.kill();
    try {
      await sleep(10_000);
    } finally {
      await infra.s3.start();
    }
    await exactlyOnce(request);
  });

  it('a worker SIGKILLed mid-export: another takes over, the dead attempt leaves no upload', async () => {
    const second = await startWorker();
    others.push(second);
    const request = slowExport(`ws-kill-${run}`, rows);
    await produceRequest(infra.settings.KAFKA_BROKERS, request);
    await uploadOpen(request);
    // Killed once the upload is on the job's record (a few ms after the store opened it): an upload whose
    // worker died inside that window is the orphan sweep's (SLUICE_ORPHAN_UPLOAD_AGE_MS), not the takeover's.
    const owner = await waitFor('the open upload on the job record', async () => {
      const { rows: found } = await pool.query<{ lease_owner: string }>(
        `SELECT lease_owner FROM sluice_jobs WHERE job_id = $1 AND open_uploads <> '{}'::jsonb`,
        [jobIdFor(request.workspaceId, request.requestId)],
      );
      return found.length > 0 ? found : undefined;
    });
    // workerId is host-pid-random: kill the process that holds the lease.
    const victim = [worker, second].find((p) => owner[0]!.lease_owner.includes(`-${p.pid}-`))!;
    expect(victim).toBeDefined();
    await victim.kill();
    if (victim === worker) worker = second;
    await exactlyOnce(request);
  });

  it('a consumer-group rebalance while jobs run', async () => {
    const workspaceId = `ws-rebalance-${run}`;
    const requests = [1, 2].map(() => slowExport(workspaceId, rows));
    for (const request of requests) await produceRequest(infra.settings.KAFKA_BROKERS, request);
    await uploadOpen(requests[0]!);
    // A second member joins (partitions move to it) and leaves again (they move back), both mid-export.
    const joiner = await startWorker();
    others.push(joiner);
    await joiner.stop();
    for (const request of requests) await exactlyOnce(request);
  });

  it('the API killed between writing the job and publishing it', async () => {
    const workspaceId = `ws-api-${run}`;
    await migrateAuthStore(pool);
    const { token } = await new TokenStore(pool).create({ workspaceId, userId: 'faults', kind: 'api' });
    const apiEnv = {
      ...serviceEnv(infra.settings, group),
      SLUICE_API_HOST: '127.0.0.1',
      SLUICE_API_PORT: '0',
    };
    const api = await spawnService('api', apiEnv, /listening on/);
    others.push(api);
    const port = Number(/listening on [^\s:]+:(\d+)/.exec(api.output())![1]);
    const template = slowExport(workspaceId, rows);
    // A stalled broker holds the API's publish: the job and its outbox row are written, the record is not
    // acknowledged, and the API dies right there.
    infra.kafka.pause();
    let jobId: string;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/exports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          requestId: template.requestId,
          source: template.source,
          query: template.query,
          format: template.format,
          options: template.options,
        }),
      });
      expect(res.status).toBe(202);
      jobId = ((await res.json()) as { job_id: string }).job_id;
      await api.kill();
    } finally {
      infra.kafka.resume();
    }
    const { rows: found } = await pool.query<{ request_id: string; status: string }>(
      `SELECT request_id, status FROM sluice_jobs WHERE job_id = $1`,
      [jobId],
    );
    expect(found[0]?.status).toBe('queued');
    // Another API process (as after a restart) publishes what the dead one left in the outbox.
    others.push(await spawnService('api', apiEnv, /listening on/));
    await exactlyOnce({ workspaceId, requestId: found[0]!.request_id });
  });
});
