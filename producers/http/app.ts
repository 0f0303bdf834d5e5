import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiDeps } from './api-deps.ts';
import { openApiDocument } from './openapi.ts';
import { problem, problemFromError, sendProblem } from './problem.ts';
import { registerCsvGeneratorRoutes } from './routes-csv-generator.ts';
import { registerExportRoutes } from './routes-exports.ts';
import { registerJobRoutes } from './routes-jobs.ts';
import { registerObservability } from './routes-observability.ts';
import { registerReportRoutes } from './routes-reports.ts';
import { registerScheduleRoutes } from './routes-schedules.ts';
import { registerRequestGuards } from './request-guards.ts';

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

  registerObservability(app, deps.metrics);
  registerRequestGuards(app, deps);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/openapi.json', async () => openApiDocument);
  registerExportRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerCsvGeneratorRoutes(app, deps);
  if (deps.boss) {
    registerScheduleRoutes(app, deps, {
      pool: deps.pool,
      boss: deps.boss,
      planning: deps.planning,
      ...(deps.reportSource ? { reportSource: deps.reportSource } : {}),
    });
  }
  return app;
}
