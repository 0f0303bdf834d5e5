import pg from 'pg';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, settleBy, type StopReport } from '../../core/deadline.ts';
import type { Logger } from '../../core/logger.ts';
import { SourceRegistry } from '../../dialects/source-registry.ts';
import type { GrantedSourceConfig } from '../../planning/export-plan.ts';
import { loadCatalogFile, loadDemoCatalog, type Catalog } from '../../catalog/catalog.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { JobStore } from '../../jobs/job-store.ts';
import { createS3Client, type S3Settings } from '../../sinks/s3/client.ts';
import { presignGet } from '../../sinks/s3/presign.ts';
import { createSourceCatalog } from '../../planning/source-catalog.ts';
import { startExportWorker, type ExportWorkerConfig } from './worker.ts';
import {
  startWorkerMetrics,
  type WorkerMetricsEndpoint,
  type WorkerMetricsSettings,
} from './worker-metrics-endpoint.ts';

export interface WorkerSettings {
  worker: ExportWorkerConfig;
  /** The job store's PostgreSQL. */
  databaseUrl: string;
  s3: S3Settings;
  /** Endpoint that presigned URLs name, when recipients reach the store by another address. */
  s3PublicEndpoint?: string;
  sources: GrantedSourceConfig[];
  batchRows?: number;
  /** Planning's time box per job (SLUICE_PLANNING_TIMEOUT_MS, default 2 s). */
  planningTimeoutMs?: number;
  /** The metrics and reports catalog (JSON); the demo catalog when unset. */
  catalogPath?: string;
  /** A catalog already loaded (tests, embedding); wins over catalogPath. */
  catalog?: Catalog;
  /** Where `/metrics` listens (SLUICE_WORKER_METRICS_PORT, default 9464); unset: no endpoint. */
  metrics?: WorkerMetricsSettings;
  /** How long a stop may take before what is left is given up on (SLUICE_SHUTDOWN_TIMEOUT_MS, default 20 s). */
  shutdownTimeoutMs?: number;
}

export interface WorkerService {
  workerId: string;
  /** The metrics endpoint's port, when it listens. */
  metricsPort?: number;
  store: JobStore;
  /**
   * Hands running jobs back and closes every client by `deadline` (epoch ms; default now + the shutdown
   * timeout). Resolves by then whatever hangs, naming the steps it gave up on.
   */
  stop(deadline?: number): Promise<StopReport>;
}

/** The export worker with everything it owns: job store pool, S3 clients, source pools, Kafka clients. */
export async function startWorkerService(settings: WorkerSettings, log: Logger): Promise<WorkerService> {
  // Read first: a broken catalog fails the start (CONFIG_INVALID), not every metric export later.
  const catalog =
    settings.catalog ?? (settings.catalogPath ? loadCatalogFile(settings.catalogPath) : loadDemoCatalog());
  const pool = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: Math.max(4, settings.worker.concurrency * 2),
  });
  await migrateJobStore(pool);
  await migrateRowPolicies(pool);
  const store = new JobStore(pool);
  const s3 = createS3Client(settings.s3);
  const publicS3 = settings.s3PublicEndpoint
    ? createS3Client({ ...settings.s3, endpoint: settings.s3PublicEndpoint })
    : s3;
  const sources = new SourceRegistry(settings.sources);
  let metrics: WorkerMetricsEndpoint | undefined;
  try {
    metrics = settings.metrics
      ? await startWorkerMetrics(settings.metrics, {
          brokers: settings.worker.brokers,
          groupId: settings.worker.groupId,
          ...(settings.worker.requestTopic ? { requestTopic: settings.worker.requestTopic } : {}),
          s3,
          log,
        })
      : undefined;
    const worker = await startExportWorker(settings.worker, {
      store,
      runtime: {
        sources,
        s3: { client: s3, bucket: settings.s3.bucket },
        batchRows: settings.batchRows,
        // A short cache: jobs of one table planned back to back describe it once, and a change is seen soon.
        planning: {
          catalog,
          policies: createPgPolicyStore(pool),
          sources: createSourceCatalog(sources, settings.sources, { ttlMs: 5_000 }),
          ...(settings.planningTimeoutMs !== undefined ? { timeoutMs: settings.planningTimeoutMs } : {}),
        },
      },
      presign: (bucket, key, ttl) => presignGet(publicS3, bucket, key, ttl),
      log,
      ...(metrics ? { observer: metrics.observer } : {}),
    });
    return {
      workerId: worker.workerId,
      store,
      ...(metrics ? { metricsPort: metrics.port } : {}),
      async stop(deadline = Date.now() + (settings.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS)) {
        // The worker first: its jobs are handed back through the pool, so the pool closes last.
        const report = await worker.stop(deadline);
        if (metrics) await settleBy('metrics', () => metrics!.stop(), deadline, log, report);
        await settleBy('sources', () => sources.closeAll(), deadline, log, report);
        s3.destroy();
        if (publicS3 !== s3) publicS3.destroy();
        await settleBy('job_store', () => pool.end(), deadline, log, report);
        return report;
      },
    };
  } catch (err) {
    await metrics?.stop();
    await sources.closeAll();
    await pool.end();
    throw err;
  }
}
