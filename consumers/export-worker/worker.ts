import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';
import type { JobStore } from '../../jobs/job-store.ts';
import { Topics } from '../../schemas/topics.ts';
import type { PresignedUrl } from '../../sinks/s3/presign.ts';
import { handleMessage } from './handle-message.ts';
import { PartitionRunner } from './partition-runner.ts';
import { OutcomePublisher } from './publisher.ts';
import type { JobRuntime } from './run-job.ts';
import { ensureTopics } from './topics.ts';

export interface ExportWorkerConfig {
  brokers: string[];
  clientId?: string;
  groupId: string;
  /** Partitions worked on at once by this process; each partition is still handled in order. */
  concurrency: number;
  leaseMs: number;
  maxAttempts: number;
  requestPartitions: number;
  /** kafkajs session timeout: heartbeats during long exports keep the membership well within it. */
  sessionTimeoutMs?: number;
}

export interface ExportWorkerDeps {
  store: JobStore;
  runtime: JobRuntime;
  presign: (bucket: string, key: string, ttlSeconds: number) => Promise<PresignedUrl>;
  log: Logger;
}

export interface ExportWorker {
  readonly workerId: string;
  stop(): Promise<void>;
}

/**
 * A kafkajs consumer-group member on the requests topic. Jobs run beside the fetch loop (see
 * PartitionRunner), so a long export neither misses heartbeats nor holds up the other partitions.
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
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config.requestPartitions);
  } finally {
    await admin.disconnect();
  }

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
  await consumer.subscribe({ topic: Topics.requests, fromBeginning: true });

  const shutdown = new AbortController();
  const handlerDeps = {
    store: deps.store,
    publisher: new OutcomePublisher(producer),
    runtime: deps.runtime,
    presign: deps.presign,
    workerId,
    leaseMs: config.leaseMs,
    maxAttempts: config.maxAttempts,
    log,
  };
  const runner = new PartitionRunner(consumer, config.concurrency, log, shutdown.signal);
  await consumer.run({
    autoCommit: false,
    // Each partition's records are handed to the runner, which pauses the partition until its job ends.
    partitionsConsumedConcurrently: 1,
    eachMessage: async ({ topic, partition, message }) => {
      runner.start({
        topic,
        partition,
        offset: message.offset,
        run: () =>
          handleMessage(
            handlerDeps,
            { topic, partition, offset: message.offset, key: message.key, value: message.value },
            shutdown.signal,
          ),
      });
    },
  });
  log.info('worker.started', { groupId: config.groupId, concurrency: config.concurrency });

  return {
    workerId,
    async stop() {
      shutdown.abort(new Error('worker shutting down'));
      await runner.drain();
      await consumer.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
      log.info('worker.stopped');
    },
  };
}
