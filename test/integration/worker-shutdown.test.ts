import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Admin, Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobIdFor } from '../../jobs/job-id.ts';
import { waitFor } from '../support/cli.ts';
import { testKafka } from '../support/kafka.ts';
import { testS3Client } from '../support/s3.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const bin = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

/** SLUICE_SHUTDOWN_TIMEOUT_MS for these workers; each must be gone within it (plus the process's own exit). */
const BOUND_MS = 4_000;
/** What the test allows past the bound before it calls the worker hung: the runtime's own exit, a busy CPU. */
const SLACK_MS = 3_000;
const LEASE_MS = 6_000;

// Rows trickle out (~10 MB/s) for over an hour unless stopped, so a SIGTERM always lands mid-upload.
const SLOW_QUERY =
  "SELECT g AS n, repeat('x', 50000) AS pad FROM generate_series(1, 1000000) g WHERE pg_sleep(0.005) IS NOT NULL";

interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once the process is gone, with how long after `terminate()` that was. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterTermMs: number }>;
  terminate(): void;
}

/**
 * A real `sluice worker` (export role) whose Kafka, job store and source connections all go through proxies
 * the test controls, so it can lose any of them while the shared servers keep running for everyone else.
 */
describe('worker shutdown under load: SIGTERM ends the process within SLUICE_SHUTDOWN_TIMEOUT_MS', () => {
  const infra = inject('infra');
  const run = randomUUID().slice(0, 8);
  const topic = `sluice.export.requests.shutdown-${run}`;
  const dbUrl = new URL(infra.DATABASE_URL);
  let admin: Admin;
  let producer: Producer;
  let pool: pg.Pool;
  let s3: S3Client;
  const proxies: TcpProxy[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    const kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    producer = kafka.producer();
    await producer.connect();
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    s3 = testS3Client();
  });

  afterEach(async () => {
    for (const w of workers.splice(0))
      if (w.child.exitCode === null && !w.child.signalCode) w.child.kill('SIGKILL');
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin?.disconnect();
    await pool?.end();
    s3?.destroy();
  });

  async function proxy(hostPort: string, kafka = false): Promise<TcpProxy> {
    const [host, port] = hostPort.split(':');
    const p = await startTcpProxy({ host: host!, port: Number(port) }, { kafka });
    proxies.push(p);
    return p;
  }
  const viaProxy = (p: TcpProxy) => {
    const url = new URL(infra.DATABASE_URL);
    url.host = p.address;
    return url.toString();
  };

  async function startWorker(kafka: TcpProxy, store: TcpProxy, source: TcpProxy): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [bin, 'worker'], {
      env: {
        ...process.env,
        ...infra,
        SCHEMA_REGISTRY_URL: '',
        KAFKA_BROKERS: kafka.address,
        DATABASE_URL: viaProxy(store),
        SLUICE_WORKER_ROLES: 'export',
        SLUICE_WORKER_GROUP: `shutdown-${run}-${randomUUID().slice(0, 8)}`,
        SLUICE_REQUEST_TOPIC: topic,
        SLUICE_WORKER_METRICS_PORT: 'off',
        SLUICE_SHUTDOWN_TIMEOUT_MS: String(BOUND_MS),
        SLUICE_JOB_LEASE_MS: String(LEASE_MS),
        SLUICE_SOURCE_SLOW: viaProxy(source),
        SLUICE_SOURCE_SLOW_WORKSPACES: '*',
        SLUICE_SOURCE_SLOW_TABLES: '*',
        SLUICE_SOURCE_SLOW_RAW_SQL: 'true',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let termAt = 0;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; afterTermMs: number }>(
      (resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal, afterTermMs: Date.now() - termAt })),
    );
    const worker: WorkerProcess = {
      child,
      output: () => stderr,
      exited,
      terminate() {
        termAt = Date.now();
        child.kill('SIGTERM');
      },
    };
    workers.push(worker);
    await Promise.race([
      waitFor('worker.started', () => (stderr.includes('worker.started') ? true : undefined), 20_000),
      exited.then(({ code }) => {
        throw new Error(`the worker exited with ${code} before it started:\n${stderr}`);
      }),
    ]);
    return worker;
  }

  /** A slow export admitted and running, its multipart upload open on the store. */
  async function runningExport(): Promise<{ jobId: string; prefix: string }> {
    const workspaceId = `ws-shut-${randomUUID().slice(0, 8)}`;
    const requestId = randomUUID();
    // The group starts at the topic's end once it has joined; written until one is admitted (see
    // request-replay.test.ts), the first admitted one is the export.
    const jobId = jobIdFor(workspaceId, requestId);
    const prefix = `exports/${workspaceId}/${jobId}/`;
    const value = JSON.stringify({
      version: 1,
      requestId,
      workspaceId,
      requestedBy: 'shutdown@example.com',
      source: 'slow',
      query: { kind: 'sql', sql: SLOW_QUERY },
      format: 'csv',
    });
    await waitFor(
      'the export admitted',
      async () => {
        const { rows } = await pool.query(`SELECT status FROM sluice_jobs WHERE job_id = $1`, [jobId]);
        if (rows[0]) return true;
        await producer.send({ topic, messages: [{ key: workspaceId, value }] });
        await new Promise((r) => setTimeout(r, 1_000));
        return undefined;
      },
      20_000,
    );
    await waitFor(
      'an open multipart upload',
      async () => ((await uploads(prefix)).length > 0 ? true : undefined),
      20_000,
    );
    return { jobId, prefix };
  }

  const uploads = async (prefix: string) =>
    (await s3.send(new ListMultipartUploadsCommand({ Bucket: infra.S3_BUCKET, Prefix: prefix }))).Uploads ??
    [];
  const jobRow = async (jobId: string) =>
    (
      await pool.query<{ status: string; lease_owner: string | null; lease_expires_at: Date | null }>(
        `SELECT status, lease_owner, lease_expires_at FROM sluice_jobs WHERE job_id = $1`,
        [jobId],
      )
    ).rows[0]!;

  async function exitWithinBound(worker: WorkerProcess) {
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), BOUND_MS + SLACK_MS);
    const exit = await worker.exited;
    clearTimeout(timer);
    expect(
      exit.signal,
      `still running ${BOUND_MS + SLACK_MS} ms after SIGTERM:\n${worker.output()}`,
    ).toBeNull();
    return exit;
  }

  it('hands a running export back and aborts its upload, exit 0', { timeout: 30_000 }, async () => {
    const worker = await startWorker(
      await proxy(infra.KAFKA_BROKERS, true),
      await proxy(`${dbUrl.hostname}:${dbUrl.port}`),
      await proxy(`${dbUrl.hostname}:${dbUrl.port}`),
    );
    const { jobId, prefix } = await runningExport();
    worker.terminate();
    const exit = await exitWithinBound(worker);
    expect(exit.code, worker.output()).toBe(0);
    expect(worker.output()).toMatch(/export\.released/);
    expect(await jobRow(jobId)).toMatchObject({ status: 'queued', lease_owner: null });
    expect(await uploads(prefix)).toEqual([]);
  });

  it(
    'exits while its consumer reconnects after the broker went away, the export handed back',
    { timeout: 30_000 },
    async () => {
      const kafka = await proxy(infra.KAFKA_BROKERS, true);
      const worker = await startWorker(
        kafka,
        await proxy(`${dbUrl.hostname}:${dbUrl.port}`),
        await proxy(`${dbUrl.hostname}:${dbUrl.port}`),
      );
      const { jobId, prefix } = await runningExport();
      const before = worker.output().length;
      kafka.setMode('refuse');
      // The consumer noticed and is reconnecting (kafkajs logs each failed attempt).
      await waitFor(
        'the consumer reconnecting',
        () =>
          /kafka\.[^"]*"[^\n]*(ECONNRESET|ECONNREFUSED|Connection|reconnect|Restarting|crash)/i.test(
            worker.output().slice(before),
          )
            ? true
            : undefined,
        15_000,
      );
      worker.terminate();
      const exit = await exitWithinBound(worker);
      expect([0, 1], worker.output()).toContain(exit.code);
      expect(await jobRow(jobId)).toMatchObject({ status: 'queued', lease_owner: null });
      expect(await uploads(prefix)).toEqual([]);
    },
  );

  it(
    'exits when the job store and the source stop answering: exit 1, the upload aborted, the lease lapses',
    { timeout: 30_000 },
    async () => {
      const store = await proxy(`${dbUrl.hostname}:${dbUrl.port}`);
      const source = await proxy(`${dbUrl.hostname}:${dbUrl.port}`);
      const worker = await startWorker(await proxy(infra.KAFKA_BROKERS, true), store, source);
      const { jobId, prefix } = await runningExport();
      store.setMode('blackhole');
      source.setMode('blackhole');
      worker.terminate();
      const exit = await exitWithinBound(worker);
      expect(exit.code, worker.output()).toBe(1);
      expect(worker.output()).toMatch(/service\.shutdown_(incomplete|timed_out)/);
      // Nothing half-written: the upload is aborted (the store of objects was reachable).
      expect(await uploads(prefix)).toEqual([]);
      // The hand-back could not reach the job store: the job stays leased to the dead worker until its lease
      // lapses (renewals could not reach it either), and then any worker takes it over.
      const job = await jobRow(jobId);
      expect(job.status).toBe('running');
      expect(job.lease_expires_at!.getTime()).toBeLessThanOrEqual(Date.now() + LEASE_MS);
    },
  );
});
