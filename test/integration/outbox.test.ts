import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { silentLogger } from '../../core/logger.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import { enqueueExport } from '../../producers/outbox/enqueue-export.ts';
import { migrateOutbox } from '../../producers/outbox/migrations.ts';
import { createOutboxProducer } from '../../producers/outbox/outbox-producer.ts';
import { startOutboxRelay, type OutboxRelay } from '../../producers/outbox/relay.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { Topics } from '../../schemas/topics.ts';
import { TopicRecorder, testKafka, type ReceivedRecord } from '../support/kafka.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT } from '../support/grants.ts';

// The outbox: a job accepted while Kafka is down is published once it is back, exactly once in the normal case.
describe('export request outbox', () => {
  // The bulk test publishes here, not to the request topic: the test worker group would have to work
  // through every one of those records before reaching the next suite's.
  const bulkTopic = 'sluice.test.outbox-relay';
  const bulk = { topic: bulkTopic };
  const run = randomUUID().slice(0, 8);
  let pool: pg.Pool;
  let recorder: TopicRecorder;
  let worker: WorkerService | undefined;
  const producers: Producer[] = [];
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 10 });
    await migrateOutbox(pool);
    await migrateOutbox(pool); // idempotent
    recorder = await TopicRecorder.start(testKafka(), [
      Topics.requests,
      Topics.completed,
      Topics.failed,
      bulkTopic,
    ]);
  });

  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    for (const producer of producers) await producer.disconnect().catch(() => {});
    await worker?.stop();
    await recorder?.stop();
    await pool?.end();
  });

  // Source 'outbox_none' names no configured source: if the worker picks these up it fails them at once.
  const request = (overrides: Partial<ExportRequested> = {}): ExportRequested => ({
    version: 1,
    requestId: `outbox-${run}-${randomUUID()}`,
    workspaceId: `ob-${run}`,
    requestedBy: 'tester@example.com',
    source: 'outbox_none',
    query: { kind: 'sql', sql: 'SELECT 1 AS n' },
    format: 'csv',
    ...overrides,
  });

  const realRelay = async (options: { batchSize?: number } = {}) => {
    const producer = createOutboxProducer(testKafka('sluice-outbox-test'));
    producers.push(producer);
    const relay = await startOutboxRelay({
      pool,
      producer,
      log: silentLogger,
      pollIntervalMs: 200,
      maxBackoffMs: 1_000,
      ...options,
    });
    relays.push(relay);
    return relay;
  };
  const stopRelay = async (relay: OutboxRelay) => {
    await relay.stop();
    relays.splice(relays.indexOf(relay), 1);
  };

  const outboxRows = async (jobIds: string[]) =>
    (
      await pool.query(
        `SELECT id, job_id, key, topic, published_at, attempts, last_error FROM sluice_outbox
          WHERE job_id = ANY($1) ORDER BY id`,
        [jobIds],
      )
    ).rows;
  const jobRow = async (jobId: string) =>
    (await pool.query(`SELECT * FROM sluice_jobs WHERE job_id = $1`, [jobId])).rows[0];
  // The requests topic also holds other suites' deliberately malformed records: read them leniently.
  const requestIdOf = (r: ReceivedRecord) => {
    try {
      return (r.json() as { requestId?: unknown }).requestId;
    } catch {
      return undefined;
    }
  };
  const requestsFor = (requestId: string) =>
    recorder.records.filter((r) => r.topic === Topics.requests && requestIdOf(r) === requestId);
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };

  it('publishes an enqueued request once, keyed by workspace, and marks the row published', async () => {
    const relay = await realRelay();
    const req = request();
    const { jobId, created } = await enqueueExport(pool, req);
    expect(created).toBe(true);
    expect(jobId).toBe(jobIdFor(req.workspaceId, req.requestId));

    const [record] = await recorder.waitFor(
      (r) => r.topic === Topics.requests && requestIdOf(r) === req.requestId,
    );
    expect(record!.key).toBe(req.workspaceId);
    expect(record!.json()).toEqual(req);
    expect(record!.headers['sluice-job-id']).toBe(jobId);
    await until('published_at', async () => (await outboxRows([jobId]))[0]?.published_at != null);
    await stopRelay(relay);
    await sleep(500);
    expect(requestsFor(req.requestId)).toHaveLength(1);
    const [row] = await outboxRows([jobId]);
    expect(row).toMatchObject({
      topic: Topics.requests,
      key: req.workspaceId,
      attempts: 1,
      last_error: null,
    });
  });

  it('is idempotent per (workspace, requestId), and a different body under the same id is a conflict', async () => {
    const req = request();
    const first = await enqueueExport(pool, req, bulk);
    const again = await enqueueExport(pool, { ...req }, bulk);
    expect(first.created).toBe(true);
    expect(again).toEqual({ jobId: first.jobId, created: false });

    const [concurrent] = await Promise.all([
      enqueueExport(pool, request({ requestId: `${req.requestId}-c` }), bulk),
      enqueueExport(pool, request({ requestId: `${req.requestId}-c` }), bulk).catch((e: unknown) => e),
    ]);
    expect(concurrent).toBeDefined();

    await expect(enqueueExport(pool, { ...req, format: 'ndjson' }, bulk)).rejects.toMatchObject({
      code: 'REQUEST_CONFLICT',
    });
    const jobs = await pool.query(`SELECT status, request_hash FROM sluice_jobs WHERE job_id = $1`, [
      first.jobId,
    ]);
    expect(jobs.rows).toHaveLength(1);
    expect(jobs.rows[0].status).toBe('queued');
    expect(await outboxRows([first.jobId])).toHaveLength(1);
    const concurrentId = jobIdFor(req.workspaceId, `${req.requestId}-c`);
    expect(await outboxRows([concurrentId])).toHaveLength(1);
  });

  it('rejects an invalid request naming the fields, and writes nothing', async () => {
    const bad = { ...request(), format: '', source: 'Not A Source' } as ExportRequested;
    const err = await enqueueExport(pool, bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REQUEST_INVALID' });
    expect((err as Error).message).toMatch(/format/);
    expect((err as Error).message).toMatch(/source/);
    expect(await jobRow(jobIdFor(bad.workspaceId, bad.requestId))).toBeUndefined();
  });

  it('two relays over 50 requests publish each exactly once, in id order per key', async () => {
    const [a, b] = [await realRelay({ batchSize: 4 }), await realRelay({ batchSize: 4 })];
    const reqs = Array.from({ length: 50 }, (_, i) => request({ workspaceId: `ob-${run}-k${i % 5}` }));
    const jobIds: string[] = [];
    for (const req of reqs) jobIds.push((await enqueueExport(pool, req, bulk)).jobId);

    await until('all 50 rows published', async () =>
      (await outboxRows(jobIds)).every((r) => r.published_at !== null),
    );
    const ids = new Set(reqs.map((r) => r.requestId));
    await recorder.waitFor((r) => r.topic === bulkTopic && ids.has(requestIdOf(r) as string), 50);
    await Promise.all([stopRelay(a), stopRelay(b)]);
    await sleep(1_000); // room for a duplicate to show up

    const seen = recorder.records.filter((r) => r.topic === bulkTopic && ids.has(requestIdOf(r) as string));
    expect(seen).toHaveLength(50);
    expect(new Set(seen.map((r) => r.json().requestId)).size).toBe(50);
    // One workspace is one key is one partition: its requests arrive in the order they were enqueued.
    for (let k = 0; k < 5; k++) {
      const key = `ob-${run}-k${k}`;
      expect(seen.filter((r) => r.key === key).map((r) => r.json().requestId)).toEqual(
        reqs.filter((r) => r.workspaceId === key).map((r) => r.requestId),
      );
    }
  });

  it('a broker outage delays the job but does not lose it; the worker then completes it', async () => {
    // Only the dead relay may run until the row's failures are on record.
    for (const relay of [...relays]) await stopRelay(relay);
    const deadBroker = await closedPort();
    const deadKafka = new Kafka({
      clientId: 'sluice-outbox-dead',
      brokers: [`127.0.0.1:${deadBroker}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 300,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    });
    const deadProducer = createOutboxProducer(deadKafka, { retries: 1 });
    producers.push(deadProducer);
    const dead = await startOutboxRelay({
      pool,
      producer: deadProducer,
      log: silentLogger,
      pollIntervalMs: 100,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
    });
    relays.push(dead);

    // A workspace of its own, so the worker does not queue this job behind the earlier tests' requests.
    const req = request({ workspaceId: `ob-${run}-down`, source: 'pg' });
    const { jobId, created } = await enqueueExport(pool, req); // the API would answer 202 here
    expect(created).toBe(true);
    await until('two failed attempts', async () => (await outboxRows([jobId]))[0]!.attempts >= 2);
    await stopRelay(dead);

    const [pending] = await outboxRows([jobId]);
    expect(pending.published_at).toBeNull();
    expect(pending.last_error).toEqual(expect.any(String));
    expect(pending.last_error.length).toBeGreaterThan(0);
    expect((await jobRow(jobId)).status).toBe('queued');
    expect(requestsFor(req.requestId)).toHaveLength(0);

    // The broker is back: a relay publishes the row, and the worker claims the queued job and runs it.
    worker = await startTestWorker([{ name: 'pg', url: inject('infra').DATABASE_URL, grant: OPEN_GRANT }]);
    await realRelay();
    // The shared test worker group may first have to get through other suites' requests on this partition.
    // A failure event ends the wait at once: it means another worker on this job store claimed the job.
    const [outcome] = await recorder.waitFor(
      (r) => (r.topic === Topics.completed || r.topic === Topics.failed) && r.json().jobId === jobId,
      1,
      150_000,
    );
    expect({ topic: outcome!.topic, event: outcome!.json() }).toMatchObject({
      topic: Topics.completed,
      event: { jobId, requestId: req.requestId, workspaceId: req.workspaceId },
    });
    expect(requestsFor(req.requestId)).toHaveLength(1);
    expect((await outboxRows([jobId]))[0].published_at).not.toBeNull();
    const job = await jobRow(jobId);
    expect(job.status).toBe('succeeded');
    expect(job.attempts).toBe(1);
  }, 180_000);
});

/** A port nothing listens on: bound by us for a moment, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
