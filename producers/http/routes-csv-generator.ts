import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { SluiceError } from '../../core/errors.ts';
import { formatActionResponse, parseCsvGeneratorAction } from '../../csv-generator/action-envelope.ts';
import { CsvGeneratorBodySchema } from '../../schemas/csv-generator.ts';
import { parseContract } from '../../schemas/parse-contract.ts';
import { TERMINAL_STATUSES, type Job } from '../../jobs/job.ts';
import { DEFAULT_URL_TTL_SECONDS } from '../../schemas/export-requested.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticate } from './auth.ts';
import { callerRequestId } from './request-id.ts';
import { PROBLEM_CONTENT_TYPE, PROBLEM_STATUS, problemType } from './problem.ts';
import { acceptExport, type CallerRequest } from './routes-exports.ts';

const DEFAULT_SYNC_WAIT_MS = 120_000;
const POLL_MS = 200;

/**
 * The CSV generator (seed 004): `POST /v1/csv-generator` takes the body, `POST /v1/actions` the seed's
 * action envelope around it. Like every export it becomes a job (Idempotency-Key, rate limits, the outbox,
 * Kafka, a worker), and the route then waits for the file and answers the seed's line
 * `{id}|0|0|{"body":[{"bucket","key","signedUrl"}]}`. A file that takes longer than the wait — or a caller
 * that sends `Prefer: respond-async` — gets the usual 202 with the job id to poll instead.
 */
export function registerCsvGeneratorRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/v1/csv-generator', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    return generate(deps, req, reply, identity, req.body, undefined);
  });

  app.post('/v1/actions', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    const { id, body } = parseCsvGeneratorAction(req.body); // 400 naming the envelope's field
    return generate(deps, req, reply, identity, body, id);
  });
}

async function generate(
  deps: ApiDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  identity: TokenIdentity,
  body: unknown,
  requestId: string | undefined,
): Promise<FastifyReply> {
  const { response, headers } = await acceptExport(deps, req, identity, async (): Promise<CallerRequest> => {
    if (!deps.reportSource) {
      throw new SluiceError('ROUTE_NOT_FOUND', 'the CSV generator needs SLUICE_API_REPORT_SOURCE configured');
    }
    // The body's shape here (fields named as the caller wrote them); the catalog, grants and row security
    // when the request is planned, before a job exists: bad bodies are a 400 naming the field.
    return {
      source: deps.reportSource,
      query: { kind: 'csv-generator', body: parseContract(CsvGeneratorBodySchema, body) },
      format: 'csv',
      ...(requestId === undefined ? {} : { requestId }),
    };
  });
  const accepted = response.status === 202 ? (response.body as { job_id: string }) : undefined;
  if (!accepted || /\brespond-async\b/.test(String(req.headers.prefer ?? ''))) {
    return reply
      .code(response.status)
      .headers({ ...headers, ...response.headers })
      .send(response.body);
  }

  const job = await waitForJob(deps, accepted.job_id, deps.syncWaitMs ?? DEFAULT_SYNC_WAIT_MS, reply);
  if (!job || !TERMINAL_STATUSES.includes(job.status)) {
    // Still running: the usual asynchronous answer, so the caller can poll the job.
    return reply
      .code(202)
      .headers({ ...headers, ...response.headers })
      .send(response.body);
  }
  const location = { location: `/v1/jobs/${job.jobId}` };
  if (job.status === 'succeeded' && job.result) {
    const ttl = (job.request as { urlTtlSeconds?: number }).urlTtlSeconds ?? DEFAULT_URL_TTL_SECONDS;
    const url = await deps.presign(job.result.bucket, job.result.key, ttl);
    return reply
      .code(200)
      .headers({ ...headers, ...location, 'content-type': 'text/plain; charset=utf-8' })
      .send(
        formatActionResponse(callerRequestId(job.requestId), [
          { bucket: job.result.bucket, key: job.result.key, signedUrl: url.url },
        ]),
      );
  }
  const code = job.error?.code ?? 'QUERY_CANCELLED';
  const status =
    job.status === 'cancelled' ? 409 : (PROBLEM_STATUS[code as keyof typeof PROBLEM_STATUS]?.status ?? 502);
  return reply
    .code(status)
    .headers({ ...headers, ...location, 'content-type': PROBLEM_CONTENT_TYPE })
    .send({
      type: problemType(code),
      title: job.status === 'cancelled' ? 'The export was cancelled' : 'The export failed',
      status,
      detail: job.error?.message ?? 'the job was cancelled',
      code,
    });
}

/** Polls the job store until the job ends, the wait is over, or the caller hangs up. */
async function waitForJob(
  deps: ApiDeps,
  jobId: string,
  waitMs: number,
  reply: FastifyReply,
): Promise<Job | undefined> {
  // The response's 'close' before anything was sent means the caller hung up (the request's own 'close'
  // only says its body was read).
  const gone = new AbortController();
  const onClose = () => gone.abort();
  reply.raw.once('close', onClose);
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      const job = await deps.jobs.get(jobId);
      if (!job || TERMINAL_STATUSES.includes(job.status) || Date.now() >= deadline || gone.signal.aborted) {
        return job;
      }
      await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), undefined, {
        signal: gone.signal,
      }).catch(() => {});
    }
  } finally {
    reply.raw.off('close', onClose);
  }
}
