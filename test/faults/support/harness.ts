import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';
import { expect } from 'vitest';
import { readS3Settings } from '../../../cli/config.ts';
import type { InfraSettings } from '../../../infra/settings.ts';
import { jobIdFor } from '../../../jobs/job-id.ts';
import { Topics } from '../../../schemas/topics.ts';
import { createS3Client } from '../../../sinks/s3/client.ts';

const bin = fileURLToPath(new URL('../../../bin/sluice.mjs', import.meta.url));

/** A `sluice <role>` process the test may SIGKILL. */
export interface ServiceProcess {
  pid: number;
  output(): string;
  /** SIGKILL: no clean-up of any kind, as a crashed host or the OOM killer would. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 15 s; resolves once it exited. */
  stop(): Promise<void>;
}

/** Starts `sluice <role>` with `env` on top of ours; resolves once `ready` matched its stderr. */
export async function spawnService(
  role: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 45_000,
): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, [bin, role], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice ${role} did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    const onData = () => {
      if (!ready.test(stderr)) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice ${role} exited with ${code} before it was ready:\n${stderr}`));
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid!,
    output: () => stderr,
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The environment a worker or API process of the fault suite runs with: private broker and store. */
export function serviceEnv(settings: InfraSettings, group: string): Record<string, string> {
  return {
    KAFKA_BROKERS: settings.KAFKA_BROKERS,
    S3_ENDPOINT: settings.S3_ENDPOINT,
    S3_REGION: settings.S3_REGION,
    S3_ACCESS_KEY_ID: settings.S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: settings.S3_SECRET_ACCESS_KEY,
    S3_BUCKET: settings.S3_BUCKET,
    S3_FORCE_PATH_STYLE: settings.S3_FORCE_PATH_STYLE,
    // JSON events: the recorder below reads them without the registry.
    SCHEMA_REGISTRY_URL: '',
    DATABASE_URL: settings.DATABASE_URL,
    SLUICE_SOURCE_PG: settings.DATABASE_URL,
    SLUICE_SOURCE_PG_WORKSPACES: '*',
    SLUICE_SOURCE_PG_TABLES: '*',
    SLUICE_SOURCE_PG_RAW_SQL: 'true',
    SLUICE_WORKER_GROUP: group,
    // The private topic holds only this file's requests, some produced before the group's first join.
    SLUICE_REQUESTS_FROM: 'earliest',
    SLUICE_WORKER_ROLES: 'export',
    SLUICE_WORKER_METRICS_PORT: 'off',
    // A short lease: a dead worker's job is taken over within seconds, not the default 30.
    SLUICE_JOB_LEASE_MS: '3000',
    SLUICE_MAX_ATTEMPTS: '3',
    SLUICE_WORKER_CONCURRENCY: '2',
    SLUICE_WORKSPACE_MAX_RUNNING: '2',
  };
}

export function spawnWorker(
  settings: InfraSettings,
  group: string,
  extra: Record<string, string> = {},
): Promise<ServiceProcess> {
  return spawnService('worker', { ...serviceEnv(settings, group), ...extra }, /worker\.started/);
}

export interface OutcomeEvent {
  topic: string;
  partition: number;
  offset: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  value: any;
}

/**
 * Every outcome event on the private broker, each once: it is read in a fresh group from the beginning, and
 * a record read again after the consumer recovered from a broker restart (same partition and offset) is
 * kept once, so a count of events per request is the count the broker holds.
 */
export class OutcomeLog {
  readonly #events = new Map<string, OutcomeEvent>();
  #consumer: Consumer;

  private constructor(consumer: Consumer) {
    this.#consumer = consumer;
  }

  static async start(brokers: string): Promise<OutcomeLog> {
    const kafka = new Kafka({
      clientId: 'sluice-faults-recorder',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
      // The broker is killed on purpose: keep trying to reconnect for as long as a test runs.
      retry: { retries: 100, maxRetryTime: 2_000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: [Topics.completed, Topics.failed].map((topic) => ({ topic, numPartitions: 3 })),
      })
      .catch(() => {});
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: `faults-recorder-${randomUUID()}`, maxWaitTimeInMs: 200 });
    const log = new OutcomeLog(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.completed, Topics.failed], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        log.#events.set(`${topic}/${partition}/${message.offset}`, {
          topic,
          partition,
          offset: message.offset,
          value: JSON.parse(message.value!.toString('utf8')),
        });
      },
    });
    return log;
  }

  of(requestId: string): OutcomeEvent[] {
    return [...this.#events.values()].filter((e) => e.value.requestId === requestId);
  }

  /** Waits for the first outcome of a request; rejects after `timeoutMs`. */
  async first(requestId: string, timeoutMs: number): Promise<OutcomeEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [event] = this.of(requestId);
      if (event) return event;
      if (Date.now() > deadline) throw new Error(`no outcome event for ${requestId} within ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect().catch(() => {});
  }
}

/**
 * A CSV export whose rows are known in advance (id, md5(id)) and that runs for a few seconds: the source
 * sleeps every `pauseEvery` rows, so a fault injected once the upload is open lands mid-export.
 */
export function slowExport(
  workspaceId: string,
  rows: number,
  opts: { pauseEvery?: number; pauseSeconds?: number; tag?: string } = {},
) {
  const pauseEvery = opts.pauseEvery ?? 20_000;
  const pauseSeconds = opts.pauseSeconds ?? 0.4;
  const tag = opts.tag ?? 'faults';
  return {
    version: 1 as const,
    requestId: `${tag}-${randomUUID()}`,
    workspaceId,
    requestedBy: 'faults@example.com',
    source: 'pg',
    query: {
      kind: 'sql' as const,
      // The tag comment lets a test find this query's backend in pg_stat_activity.
      sql:
        `SELECT /* ${tag} */ g AS id, md5(g::text) AS h FROM generate_series(1, ${rows}) AS g ` +
        `WHERE g % ${pauseEvery} <> 0 OR pg_sleep(${pauseSeconds}) IS NOT NULL ORDER BY g`,
    },
    format: 'csv' as const,
    // The smallest part S3 allows, so even a ~20 MB export is several parts and the upload is open a while.
    options: { partSizeMiB: 5 },
  };
}

/** The exact bytes an uninterrupted slowExport of `rows` rows stores (header, CRLF lines). */
export function expectedCsv(rows: number): { sha256: string; bytes: number } {
  const hash = createHash('sha256');
  let bytes = 0;
  const push = (s: string) => {
    hash.update(s);
    bytes += Buffer.byteLength(s);
  };
  push('id,h\r\n');
  let chunk = '';
  for (let g = 1; g <= rows; g++) {
    chunk += `${g},${createHash('md5').update(String(g)).digest('hex')}\r\n`;
    if (chunk.length > 1 << 20) {
      push(chunk);
      chunk = '';
    }
  }
  push(chunk);
  return { sha256: hash.digest('hex'), bytes };
}

export function privateS3(settings: InfraSettings): S3Client {
  return createS3Client(readS3Settings({ ...settings }));
}

export async function openUploads(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (res.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

/** Resolves once a multipart upload under `prefix` is open: the export is mid-upload. */
export async function waitForOpenUpload(
  s3: S3Client,
  bucket: string,
  prefix: string,
  // A worker's consumer can take ~30 s to rejoin after the broker restart of an earlier test.
  timeoutMs = 45_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await openUploads(s3, bucket, prefix)).length === 0) {
    if (Date.now() > deadline)
      throw new Error(`no multipart upload opened under ${prefix} in ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * What every fault test ends with, for each of its requests: the job succeeded; exactly one outcome event,
 * a completion; exactly one object under the workspace's prefix, the event's; no multipart upload left
 * open; and the object's bytes are those of an uninterrupted export (so its rows and SHA-256 are right).
 */
export async function expectExactlyOnce(ctx: {
  pool: pg.Pool;
  s3: S3Client;
  bucket: string;
  outcomes: OutcomeLog;
  request: { workspaceId: string; requestId: string };
  rows: number;
  /** How long the outcome may take to arrive. */
  timeoutMs?: number;
}): Promise<void> {
  const { pool, s3, bucket, outcomes, request, rows } = ctx;
  const jobId = jobIdFor(request.workspaceId, request.requestId);
  const first = await outcomes.first(request.requestId, ctx.timeoutMs ?? 45_000);
  expect(first.topic, JSON.stringify(first.value)).toBe(Topics.completed);
  const { rows: jobRows } = await pool.query(`SELECT status FROM sluice_jobs WHERE job_id = $1`, [jobId]);
  expect(jobRows[0]?.status).toBe('succeeded');

  const prefix = `exports/${request.workspaceId}/${jobId}/`;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([first.value.key]);
  expect(await openUploads(s3, bucket, prefix)).toEqual([]);

  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: first.value.key }));
  const body = Buffer.from(await object.Body!.transformToByteArray());
  const expected = expectedCsv(rows);
  const sha256 = createHash('sha256').update(body).digest('hex');
  expect({ rows: first.value.rows, bytes: body.length, sha256, eventSha256: first.value.sha256 }).toEqual({
    rows,
    bytes: expected.bytes,
    sha256: expected.sha256,
    eventSha256: expected.sha256,
  });

  // A second event would come from a redelivery or a takeover racing the first; give it a moment to show.
  await sleep(1_500);
  expect(outcomes.of(request.requestId).map((e) => e.topic)).toEqual([Topics.completed]);
}

/** Backends running a slowExport's query (found by its tag comment), excluding job-store writes of it. */
export async function sourceBackends(pool: pg.Pool, tag: string): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE $1 AND query NOT LIKE '%sluice_%'`,
    [`%/* ${tag} */%generate_series%`],
  );
  return rows.map((r) => r.pid);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export async function produceRequest(brokers: string, request: { workspaceId: string }): Promise<void> {
  const kafka = new Kafka({
    clientId: 'sluice-faults',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: Topics.requests,
      messages: [{ key: request.workspaceId, value: JSON.stringify(request) }],
    });
  } finally {
    await producer.disconnect();
  }
}
