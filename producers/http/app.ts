import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { RateLimiter, RatePolicySet } from '../../auth/rate-limiter.ts';
import type { PlanningContext } from '../../metrics/plan-for-recipient.ts';
import type { TokenStore } from '../../auth/tokens.ts';
import type { Logger } from '../../core/logger.ts';
import type { IdempotencyStore } from '../../jobs/idempotency.ts';
import type { JobStore } from '../../jobs/job-store.ts';
import type { PresignedUrl } from '../../sinks/s3/presign.ts';
import { openApiDocument } from './openapi.ts';
import { problem, problemFromError, sendProblem } from './problem.ts';
import { registerCsvGeneratorRoutes } from './routes-csv-generator.ts';
import { registerExportRoutes } from './routes-exports.ts';
import { registerJobRoutes } from './routes-jobs.ts';
import { registerRequestGuards } from './request-guards.ts';

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
  planning: PlanningContext;
  /** How long the CSV generator's routes wait for the file before answering 202 with the job id. */
  syncWaitMs?: number;
  /** Where enqueued requests are published; the contract's request topic by default. */
  requestTopic?: string;
  /** Called after a request was enqueued: wakes this process's outbox relay. */
  onEnqueued?: () => void;
  /** The seed's limits unless configured otherwise. */
  ratePolicies?: RatePolicySet;
  log: Logger;
}

/** The HTTP API as a fastify instance, not yet listening: `inject()` it in tests or `listen()` it. */
export function buildApiApp(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

  app.setErrorHandler((err, _req, reply) => {
    const body = problemFromError(err);
    if (body.status >= 500) deps.log.error('api.request_failed', { err });
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, problem('ROUTE_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );

  registerRequestGuards(app, deps);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/openapi.json', async () => openApiDocument);
  registerExportRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerCsvGeneratorRoutes(app, deps);
  return app;
}
