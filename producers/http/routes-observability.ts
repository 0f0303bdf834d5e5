import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from '../../observability/api-metrics.ts';
import {
  childContext,
  formatTraceparent,
  parseTraceparent,
  type TraceContext,
} from '../../observability/trace-context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's span: the caller's trace continued, or a new one. Sent back as `traceparent`. */
    traceContext?: TraceContext;
  }
}

/** Read once at start: the page is static, its data comes from the job API with the caller's token. */
const JOBS_PAGE = readFileSync(new URL('./jobs-page/jobs.html', import.meta.url), 'utf8');

/**
 * What operators look at: a W3C traceparent on every request (continued from the caller's, sent back, and
 * passed on to the worker through the request record's Kafka headers), Prometheus `/metrics`, and the Jobs
 * page. Registered before the routes, so its hooks see every one of them.
 */
export function registerObservability(app: FastifyInstance, metrics: ApiMetrics | undefined): void {
  app.decorateRequest('traceContext', undefined);
  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.traceparent;
    const ctx = childContext(parseTraceparent(Array.isArray(header) ? header[0] : header));
    req.traceContext = ctx;
    void reply.header('traceparent', formatTraceparent(ctx));
  });

  if (metrics) {
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode === 429) metrics.rateLimited.inc({ route: req.routeOptions.url ?? 'unknown' });
    });
    app.get('/metrics', async (_req, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }

  app.get('/jobs', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      // The page never caches data, and no other site may frame it (the token is typed into it).
      .headers({ 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' })
      .send(JOBS_PAGE),
  );
}
