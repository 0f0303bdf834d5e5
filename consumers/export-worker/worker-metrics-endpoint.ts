import type { S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';
import { readConsumerLag } from '../../observability/consumer-lag.ts';
import { startMetricsEndpoint, type MetricsEndpoint } from '../../observability/metrics-endpoint.ts';
import { countPartRetries } from '../../observability/s3-part-retries.ts';
import { createWorkerMetrics, type JobObserver } from '../../observability/worker-metrics.ts';
import { Topics } from '../../schemas/topics.ts';

export interface WorkerMetricsSettings {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
}

export interface WorkerMetricsEndpoint {
  observer: JobObserver;
  port: number;
  stop(): Promise<void>;
}

/**
 * The worker's `/metrics`: job-run figures from the observer it returns, S3 part retries counted on the
 * given client, and the group's lag on the requests topic read from the broker at scrape time (its own admin
 * client, so a scrape never waits on the consumer's connection).
 */
export async function startWorkerMetrics(
  settings: WorkerMetricsSettings,
  {
    brokers,
    groupId,
    requestTopic = Topics.requests,
    s3,
    log,
  }: { brokers: string[]; groupId: string; requestTopic?: string; s3: S3Client; log: Logger },
): Promise<WorkerMetricsEndpoint> {
  const kafka = new Kafka({ clientId: 'sluice-worker-metrics', brokers, logLevel: logLevel.NOTHING });
  let admin: Admin | undefined;
  const metrics = createWorkerMetrics({
    readLag: async () => {
      if (!admin) {
        const fresh = kafka.admin();
        await fresh.connect();
        admin = fresh;
      }
      return readConsumerLag(admin, groupId, requestTopic).catch(async (err: unknown) => {
        // Reconnect at the next scrape: a broker restart can leave the admin client unusable.
        const stale = admin;
        admin = undefined;
        await stale?.disconnect().catch(() => {});
        throw err;
      });
    },
  });
  countPartRetries(s3, (n) => metrics.partRetries.inc(n));
  const endpoint: MetricsEndpoint = await startMetricsEndpoint(metrics.registry, settings);
  log.info('worker.metrics_listening', { host: settings.host, port: endpoint.port });
  return {
    observer: metrics.observer,
    port: endpoint.port,
    async stop() {
      await endpoint.stop();
      await admin?.disconnect().catch(() => {});
    },
  };
}
