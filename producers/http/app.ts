import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiDeps } from './api-deps.ts';
import { openApiDocument } from './openapi.ts';
import { BODY_LIMIT_BYTES, drainRequest, tooLarge } from './body-limit.ts';
import { problem, problemFromError, PROBLEM_CONTENT_TYPE, sendProblem } from './problem.ts';
import { registerCsvGeneratorRoutes } from './routes-csv-generator.ts';
import { registerExportRoutes } from './routes-exports.ts';
import { registerJobRoutes } from './routes-jobs.ts';
import { registerObservability } from './routes-observability.ts';
import { registerReportRoutes } from './routes-reports.ts';
import { registerScheduleRoutes } from './routes-schedules.ts';
import { registerRequestGuards } from './request-guards.ts';

/** The HTTP API as a fastify instance, not yet listening: `inject()` it in tests or `listen()` it. */
export function buildApiApp(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    clientErrorHandler,
    // A URL that does not decode (`%ED%A0%80`, a lone surrogate) is refused by the router itself.
    frameworkErrors: (err, _req, reply) => sendProblem(reply, problemFromError(err)),
  });

  app.setErrorHandler(async (err, req, reply) => {
    if (isBodyTooLarge(err)) {
      // Read the rest before answering, so the client gets its 413 instead of a reset (body-limit.ts).
      const drained = await drainRequest(req.raw);
      if (drained) reply.removeHeader('connection');
      else reply.header('connection', 'close');
      return sendProblem(reply, problemFromError(tooLarge()));
    }
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

function isBodyTooLarge(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'FST_ERR_CTP_BODY_TOO_LARGE' || code === 'REQUEST_TOO_LARGE';
}

/**
 * Bytes Node's HTTP parser refuses before fastify sees a request (CR/LF or NUL in a header, headers over
 * 16 KiB, a broken request line): answered as problem+json like every other refusal, then the connection
 * is ended — half-closed first, so the answer is read rather than lost to a reset.
 */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request headers are larger than the server accepts']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request took too long to arrive']
        : [400, 'the request is not well-formed HTTP'];
  const body = JSON.stringify({
    ...problem('REQUEST_INVALID', detail, [{ field: '(request)', rule: detail }]),
    status,
  });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  setTimeout(() => socket.destroy(), 1_000).unref();
}
