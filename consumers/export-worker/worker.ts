import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { settleBy, type StopReport } from '../../core/deadline.ts';
import type { Logger } from '../../core/logger.ts';
import type { JobStore } from '../../jobs/job-store.ts';
import { jsonEventCodec } from '../../schemas/event-codec.ts';
import type { JobObserver } from '../../observability/worker-metrics.ts';
import { Topics } from '../../schemas/topics.ts';
import { createAvroEventCodec } from '../../schema-registry/avro-event-codec.ts';
import { createRegistryClient } from '../../schema-registry/registry-client.ts';
import type { PresignedUrl } from '../../sinks/s3/presign.ts';
import { admitRequest } from './admit-request.ts';
import { JobScheduler } from './job-scheduler.ts';
import { intakeHandler } from './intake.ts';
import { OutcomePublisher } from './publisher.ts';
import type { JobRuntime } from './job-runtime.ts';
import { ensureTopics } from './topics.ts';

export interface ExportWorkerConfig {
  brokers: string[];
  clientId?: string;
  groupId: string;
  /** Jobs this process runs at once. */
  concurrency: number;
  /** Jobs of one workspace running at once across all workers, so one workspace's flood cannot starve another. */
  workspaceMaxRunning: number;
  /** How often an idle worker looks at the queue when nothing woke it. */
  pollMs?: number;
  leaseMs: number;
  maxAttempts: number;
  requestPartitions: number;
  /** kafkajs session timeout: heartbeats during long exports keep the membership well within it. */
  sessionTimeoutMs?: number;
  /** With it, outcome events are Avro registered there and Avro requests can be read; JSON otherwise. */
  schemaRegistryUrl?: string;
  /**
   * Where a partition the group has no committed offset for starts (SLUICE_REQUESTS_FROM): `latest` (the
   * default) so a new group, or a new job database under a new group, does not run history again; `earliest`
   * replays what the topic still holds. Committed offsets always win.
   */
  requestsFrom?: 'earliest' | 'latest';
  /** The topic requests are read from (SLUICE_REQUEST_TOPIC, where the API and scheduler publish them). */
  requestTopic?: string;
  /** Requests whose record is older than this are answered REQUEST_EXPIRED, not run (SLUICE_REQUEST_MAX_AGE_MS). */
  requestMaxAgeMs?: number;
}

export interface ExportWorkerDeps {
  store: JobStore;
  runtime: JobRuntime;
  presign: (bucket: string, key: string, ttlSeconds: number) => Promise<PresignedUrl>;
  log: Logger;
  /** Metrics about each job run (rows, bytes, durations). */
  observer?: JobObserver;
}

export interface ExportWorker {
  readonly workerId: string;
  /**
   * Stops taking work, hands running jobs back (their exports are aborted, so their uploads are aborted too)
   * and leaves the group, all by `deadline` (epoch ms): a step still pending then is given up on and named.
   */
  stop(deadline: number): Promise<StopReport>;
}

/**
 * Two halves. Intake: a kafkajs consumer-group member on the requests topic turns each record into a queued
 * job row (admission is quick, and the offset is committed only once the row is durable). Work: a scheduler
 * takes queued jobs from the job store in a fair order across workspaces and runs them beside the fetch
 * loop, so a long export neither misses heartbeats nor holds up intake, and a workspace that floods one
 * partition cannot delay another workspace's job behind its own.
 */
export async function startExportWorker(
  config: ExportWorkerConfig,
  deps: ExportWorkerDeps,
): Promise<ExportWorker> {
  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = deps.log.child({ workerId });
  const kafka = new Kafka({
    clientId: config.clientId ?? 'sluice-worker',
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) =>
      log.warn(`kafka.${entry.namespace ?? 'client'}`, { message: entry.log.message }),
  });
  const requestTopic = config.requestTopic ?? Topics.requests;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config.requestPartitions, -1, requestTopic);
  } finally {
    await admin.disconnect();
  }

  // Before any Kafka client: a schema the registry refuses stops the start with nothing produced.
  const codec = config.schemaRegistryUrl
    ? await createAvroEventCodec(createRegistryClient(config.schemaRegistryUrl))
    : jsonEventCodec;
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    // A request is small; one fetch should not pull a backlog into memory.
    maxBytesPerPartition: 1024 * 1024,
    // A partition resumed after its job is fetched again only with the next fetch; a long poll (kafkajs
    // waits up to 5 s by default) would idle a backlogged partition that long between jobs.
    maxWaitTimeInMs: 250,
  });
  await consumer.connect();
  // fromBeginning only decides where a partition without a committed offset starts.
  await consumer.subscribe({ topic: requestTopic, fromBeginning: config.requestsFrom === 'earliest' });

  const shutdown = new AbortController();
  const runnerDeps = {
    store: deps.store,
    publisher: new OutcomePublisher(producer, codec),
    runtime: deps.runtime,
    presign: deps.presign,
    workerId,
    leaseMs: config.leaseMs,
    maxAttempts: config.maxAttempts,
    log,
    ...(deps.observer ? { observer: deps.observer } : {}),
  };
  const scheduler = new JobScheduler(
    runnerDeps,
    {
      group: config.groupId,
      concurrency: config.concurrency,
      workspaceMaxRunning: config.workspaceMaxRunning,
      maxAttempts: config.maxAttempts,
      pollMs: config.pollMs ?? 1_000,
      outcomeGraceMs: Math.max(10_000, config.leaseMs),
    },
    shutdown.signal,
  );
  scheduler.start();

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: Math.min(config.requestPartitions, 4),
    eachBatch: intakeHandler({
      consumer,
      admit: (record) =>
        admitRequest(runnerDeps, record, config.groupId, () => scheduler.wake(), {
          ...(config.requestMaxAgeMs !== undefined ? { maxAgeMs: config.requestMaxAgeMs } : {}),
        }),
      log,
      shutdown: shutdown.signal,
    }),
  });
  log.info('worker.started', {
    groupId: config.groupId,
    concurrency: config.concurrency,
    events: codec.format,
    requestsFrom: config.requestsFrom ?? 'latest',
  });

  return {
    workerId,
    async stop(deadline) {
      const report: StopReport = { unfinished: [] };
      shutdown.abort(new Error('worker shutting down'));
      // Jobs get the bound less a reserve, so leaving the group (which spares the others a session timeout's
      // wait for the rebalance) still has its chance when an abort is slow.
      const reserve = Math.min(3_000, Math.max(0, deadline - Date.now()) / 4);
      await settleBy('jobs', scheduler.drain(), deadline - reserve, log, report);
      await settleBy('kafka.consumer', () => consumer.disconnect(), deadline, log, report);
      await settleBy('kafka.producer', () => producer.disconnect(), deadline, log, report);
      log.info('worker.stopped', { unfinished: report.unfinished });
      return report;
    },
  };
}
