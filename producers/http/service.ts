import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { RateLimiter, type RatePolicySet } from '../../auth/rate-limiter.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { Logger } from '../../core/logger.ts';
import { IdempotencyStore } from '../../jobs/idempotency.ts';
import { migrateIdempotencyStore } from '../../jobs/idempotency-migrations.ts';
import { JobStore } from '../../jobs/job-store.ts';
import { loadCatalogFile, loadDemoCatalog, type Catalog } from '../../catalog/catalog.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { migrateSharedLinks, type SharedLinkLifetimes } from '../../reports/shared-links.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { createS3Client, type S3Settings } from '../../sinks/s3/client.ts';
import { presignGet } from '../../sinks/s3/presign.ts';
import { SourceRegistry } from '../../dialects/source-registry.ts';
import type { GrantedSourceConfig } from '../../planning/export-plan.ts';
import { createSourceCatalog } from '../../planning/source-catalog.ts';
import { migrateOutbox } from '../outbox/migrations.ts';
import { createOutboxProducer } from '../outbox/outbox-producer.ts';
import { startOutboxRelay } from '../outbox/relay.ts';
import { buildApiApp } from './app.ts';
import { createApiMetrics } from '../../observability/api-metrics.ts';
import { startBoss } from '../../schedules/boss.ts';
import { migrateSchedules } from '../../schedules/migrations.ts';
import type PgBoss from 'pg-boss';

export interface ApiSettings {
  databaseUrl: string;
  brokers: string[];
  s3: S3Settings;
  /** Endpoint that presigned URLs name, when recipients reach the store by another address. */
  s3PublicEndpoint?: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The source reports, metric requests and the CSV generator run on. */
  reportSource?: string;
  /** The metrics and reports catalog (JSON); the demo catalog when unset. */
  catalogPath?: string;
  /** A catalog already loaded (tests, embedding); wins over catalogPath. */
  catalog?: Catalog;
  /** The configured sources and their grants: requests are checked against them (and their tables) at once. */
  sources: GrantedSourceConfig[];
  /** How long a table's description is reused when planning (default 30 s). */
  tableCacheMs?: number;
  /** Planning's time box per request (SLUICE_PLANNING_TIMEOUT_MS, default 2 s). */
  planningTimeoutMs?: number;
  /** How long the CSV generator's routes wait for the file before answering 202 (default 120 s). */
  syncWaitMs?: number;
  /** Shared links' default and longest lifetimes (30 and 365 days unless configured). */
  sharedLinkLifetimes?: SharedLinkLifetimes;
  /** Where the relay publishes requests; the contract's topic by default. */
  requestTopic?: string;
  ratePolicies?: RatePolicySet;
}

export interface ApiService {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The HTTP API with everything it owns: its pool, the outbox relay and its producer, an S3 client to sign. */
export async function startApiService(settings: ApiSettings, log: Logger): Promise<ApiService> {
  const catalog =
    settings.catalog ?? (settings.catalogPath ? loadCatalogFile(settings.catalogPath) : loadDemoCatalog());
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 10 });
  const s3 = createS3Client(
    settings.s3PublicEndpoint ? { ...settings.s3, endpoint: settings.s3PublicEndpoint } : settings.s3,
  );
  const kafka = new Kafka({
    clientId: 'sluice-api',
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) =>
      log.warn(`kafka.${entry.namespace ?? 'client'}`, { message: entry.log.message }),
  });
  const producer = createOutboxProducer(kafka);
  let boss: PgBoss | undefined;
  // Opened on first use, for describing tables only: the API never reads rows.
  const sources = new SourceRegistry(settings.sources);
  const cleanup = async () => {
    await boss?.stop({ graceful: false, close: false, wait: true }).catch(() => {});
    s3.destroy();
    await sources.closeAll();
    await producer.disconnect().catch(() => {});
    await pool.end();
  };
  try {
    await migrateJobStore(pool);
    await migrateAuthStore(pool);
    await migrateIdempotencyStore(pool);
    await migrateOutbox(pool);
    await migrateRowPolicies(pool);
    await migrateSharedLinks(pool);
    await migrateSchedules(pool);
    // Sends only (arms schedules' runs); the scheduler role runs the jobs.
    boss = await startBoss(pool, { supervise: false });
    const relay = await startOutboxRelay({ pool, producer, log });
    const app = buildApiApp({
      pool,
      tokens: new TokenStore(pool),
      rateLimiter: new RateLimiter(pool),
      idempotency: new IdempotencyStore(pool),
      jobs: new JobStore(pool),
      presign: (bucket, key, ttl) => presignGet(s3, bucket, key, ttl),
      ...(settings.reportSource ? { reportSource: settings.reportSource } : {}),
      ...(settings.requestTopic ? { requestTopic: settings.requestTopic } : {}),
      ...(settings.ratePolicies ? { ratePolicies: settings.ratePolicies } : {}),
      onEnqueued: () => relay.wake(),
      boss,
      planning: {
        catalog,
        policies: createPgPolicyStore(pool),
        sources: createSourceCatalog(sources, settings.sources, {
          ...(settings.tableCacheMs !== undefined ? { ttlMs: settings.tableCacheMs } : {}),
        }),
        ...(settings.planningTimeoutMs !== undefined ? { timeoutMs: settings.planningTimeoutMs } : {}),
      },
      ...(settings.syncWaitMs !== undefined ? { syncWaitMs: settings.syncWaitMs } : {}),
      ...(settings.sharedLinkLifetimes ? { sharedLinkLifetimes: settings.sharedLinkLifetimes } : {}),
      log,
      metrics: createApiMetrics(pool),
    });
    try {
      await app.listen({ host: settings.host, port: settings.port });
    } catch (err) {
      await relay.stop();
      throw err;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    const host = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    log.info('api.listening', { host: settings.host, port });
    return {
      url,
      port,
      async stop() {
        await app.close();
        await relay.stop();
        await cleanup();
        log.info('api.stopped');
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
