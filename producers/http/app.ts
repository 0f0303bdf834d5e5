import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiDeps } from './api-deps.ts';
import { openApiDocument } from './openapi.ts';
import { problem, problemFromError, sendProblem } from './problem.ts';
import { registerCsvGeneratorRoutes } from './routes-csv-generator.ts';
import { registerExportRoutes } from './routes-exports.ts';
import { registerJobRoutes } from './routes-jobs.ts';
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

  registerRequestGuards(app, deps);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/openapi.json', async () => openApiDocument);
  registerExportRoutes(app, deps);
  registerJobRoutes(app, deps);
  registerCsvGeneratorRoutes(app, deps);
  return app;
}
