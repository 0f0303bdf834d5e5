import { inject } from 'vitest';
import type { Catalog } from '../../catalog/catalog.ts';
import { silentLogger, createLogger, type Logger } from '../../core/logger.ts';
import type { WorkerMetricsSettings } from '../../consumers/export-worker/worker-metrics-endpoint.ts';
import { startWorkerService, type WorkerService } from '../../consumers/export-worker/service.ts';
import type { GrantedSourceConfig } from '../../planning/export-plan.ts';
import { s3Settings } from './s3.ts';

export const TEST_WORKER_GROUP = 'sluice-test-workers';

/** The real worker, in this process, against the real broker, job store and S3Proxy. */
export async function startTestWorker(
  sources: GrantedSourceConfig[],
  overrides: {
    leaseMs?: number;
    concurrency?: number;
    workspaceMaxRunning?: number;
    catalog?: Catalog;
    /** Avro outcome events registered there (and Avro requests read); JSON without. */
    schemaRegistryUrl?: string;
    /** Serve /metrics (port 0: a free one, read from WorkerService.metricsPort). */
    metrics?: WorkerMetricsSettings;
    log?: Logger;
    /** A group of the test's own (default: the suite's shared group). */
    groupId?: string;
    /** A requests topic of the test's own, so replaying it replays only the test's records. */
    requestTopic?: string;
    requestsFrom?: 'earliest' | 'latest';
    requestMaxAgeMs?: number;
  } = {},
): Promise<WorkerService> {
  const infra = inject('infra');
  return startWorkerService(
    {
      worker: {
        brokers: infra.KAFKA_BROKERS.split(','),
        groupId: overrides.groupId ?? TEST_WORKER_GROUP,
        ...(overrides.requestTopic ? { requestTopic: overrides.requestTopic } : {}),
        // The suite's tests produce right after the worker starts, before its group has joined: a fresh
        // group (a fresh CI broker) starting at the topic's end would skip those requests. Production's
        // default (latest) is tested where a test asks for it.
        requestsFrom: overrides.requestsFrom ?? 'earliest',
        ...(overrides.requestMaxAgeMs !== undefined ? { requestMaxAgeMs: overrides.requestMaxAgeMs } : {}),
        concurrency: overrides.concurrency ?? 3,
        workspaceMaxRunning: overrides.workspaceMaxRunning ?? 3,
        pollMs: 250,
        leaseMs: overrides.leaseMs ?? 10_000,
        maxAttempts: 2,
        requestPartitions: 6,
        sessionTimeoutMs: 20_000,
        ...(overrides.schemaRegistryUrl ? { schemaRegistryUrl: overrides.schemaRegistryUrl } : {}),
      },
      databaseUrl: infra.DATABASE_URL,
      s3: s3Settings(),
      sources,
      ...(overrides.catalog ? { catalog: overrides.catalog } : {}),
      ...(overrides.metrics ? { metrics: overrides.metrics } : {}),
    },
    overrides.log ?? (process.env.SLUICE_TEST_LOG ? createLogger({ level: 'debug' }) : silentLogger),
  );
}
