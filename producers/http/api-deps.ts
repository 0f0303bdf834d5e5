import type pg from 'pg';
import type PgBoss from 'pg-boss';
import type { RateLimiter, RatePolicySet } from '../../auth/rate-limiter.ts';
import type { TokenStore } from '../../auth/tokens.ts';
import type { Logger } from '../../core/logger.ts';
import type { ApiMetrics } from '../../observability/api-metrics.ts';
import type { IdempotencyStore } from '../../jobs/idempotency.ts';
import type { JobStore } from '../../jobs/job-store.ts';
import type { PlanningFacts } from '../../planning/export-plan.ts';
import type { PresignedUrl } from '../../sinks/s3/presign.ts';
import type { SharedLinkLifetimes } from '../../reports/shared-links.ts';

/** What the HTTP API's routes are given: sluice's stores, the planning context, and its settings. */
export interface ApiDeps {
  /** sluice's own PostgreSQL: jobs, outbox, tokens, rate buckets, idempotency keys. */
  pool: pg.Pool;
  tokens: TokenStore;
  rateLimiter: RateLimiter;
  idempotency: IdempotencyStore;
  jobs: JobStore;
  /** A fresh presigned GET for a stored result. */
  presign(bucket: string, key: string, ttlSeconds: number): Promise<PresignedUrl>;
  /** The source reports, metric requests and the CSV generator run on; unset: every report is 404. */
  reportSource?: string;
  /** The catalog and row policies report exports are checked against before they are accepted. */
  /**
   * What every request is planned against before it is accepted: the catalog, row policies, and the
   * sources' grants and (cached) tables — the same planning the worker runs.
   */
  planning: PlanningFacts;
  /** How long the CSV generator's routes wait for the file before answering 202 with the job id. */
  syncWaitMs?: number;
  /** Where enqueued requests are published; the contract's request topic by default. */
  requestTopic?: string;
  /** Called after a request was enqueued: wakes this process's outbox relay. */
  onEnqueued?: () => void;
  /** pg-boss, to arm schedules' runs; without it the /v1/schedules routes are absent. */
  boss?: PgBoss;
  /** The seed's limits unless configured otherwise. */
  ratePolicies?: RatePolicySet;
  /** Shared links' default and longest lifetimes (DEFAULT_SHARED_LINK_LIFETIMES when unset). */
  sharedLinkLifetimes?: SharedLinkLifetimes;
  log: Logger;
  /** Prometheus metrics; unset: no `/metrics` route. */
  metrics?: ApiMetrics;
}
