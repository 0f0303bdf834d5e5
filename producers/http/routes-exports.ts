import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RatePolicies, type RatePolicy, type RatePolicySet } from '../../auth/rate-limiter.ts';
import { rateLimitHeaders } from '../../auth/rate-limit-headers.ts';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { SluiceError } from '../../core/errors.ts';
import {
  idempotencyError,
  isValidIdempotencyKey,
  requestFingerprint,
  type StoredResponse,
} from '../../jobs/idempotency.ts';
import { enqueueExport } from '../../producers/outbox/enqueue-export.ts';
import { planExport } from '../../planning/plan-export.ts';
import { ExportRequestedSchema, type ExportRequested } from '../../schemas/export-requested.ts';
import { ReportExportBodySchema } from '../../schemas/report-export.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticate } from './auth.ts';
import { apiRequestId, CallerRequestIdSchema, defaultRequestId } from './request-id.ts';
import {
  fieldErrorsFromZod,
  invalid,
  PROBLEM_CONTENT_TYPE,
  problemFromError,
  type Problem,
} from './problem.ts';
import { formatTraceparent } from '../../observability/trace-context.ts';

/**
 * Fields the server sets from the token; a body that sets them is refused, never silently overridden. The
 * recipient is one of them: over HTTP the rows are always the caller's own (row-level security), since the
 * caller is who downloads the result — naming a better-placed recipient would widen access.
 */
const SERVER_OWNED = ['version', 'workspaceId', 'requestedBy', 'recipient'] as const;

/** `POST /v1/exports`: the ExportRequested fields a caller owns. */
export const ExportBodySchema = ExportRequestedSchema.omit({
  version: true,
  workspaceId: true,
  requestedBy: true,
  recipient: true,
}).extend({ requestId: CallerRequestIdSchema.optional() });

/** `POST /v1/reports/{id}/export`: the seed's `{format, pages, filters}`, plus the export fields a caller owns. */
export const ReportExportRouteSchema = ReportExportBodySchema.extend({
  requestId: CallerRequestIdSchema.optional(),
  urlTtlSeconds: ExportRequestedSchema.shape.urlTtlSeconds,
});

const ReportIdSchema = z.string().min(1).max(256);

export type CallerRequest = Omit<
  ExportRequested,
  'version' | 'workspaceId' | 'requestedBy' | 'requestId' | 'recipient'
> & {
  requestId?: string;
};

export function registerExportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/v1/exports', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    return submitExport(deps, req, reply, identity, () => parseExportBody(req.body));
  });

  app.post<{ Params: { id: string } }>('/v1/reports/:id/export', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    return submitExport(deps, req, reply, identity, () => parseReportBody(deps, req.params.id, req.body));
  });
}

export function parseExportBody(body: unknown): CallerRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalid([{ field: '(body)', rule: 'must be a JSON object' }]);
  const owned = SERVER_OWNED.filter((f) => f in body);
  if (owned.length > 0)
    throw invalid(owned.map((field) => ({ field, rule: 'set by the server from the token; omit it' })));
  const parsed = ExportBodySchema.safeParse(body);
  if (!parsed.success) throw invalid(fieldErrorsFromZod(parsed.error));
  return parsed.data;
}

/**
 * A report export as a `report` request on the reports' source. Its pages and filters are checked with
 * every other rule when the request is planned (unknown report 404, unknown page or filter 400 naming it);
 * the worker plans it again for the recipient with the row policies in force when it runs.
 */
export function parseReportBody(
  deps: Pick<ApiDeps, 'reportSource'>,
  id: string,
  body: unknown,
  { visuals: only, watermark }: { visuals?: string[]; watermark?: string } = {},
): CallerRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalid([{ field: '(body)', rule: 'must be a JSON object' }]);
  const errors = [];
  const idOk = ReportIdSchema.safeParse(id);
  if (!idOk.success) errors.push({ field: 'id', rule: 'a report id of 1–256 characters' });
  const parsed = ReportExportRouteSchema.safeParse(body);
  if (!parsed.success) errors.push(...fieldErrorsFromZod(parsed.error));
  if (errors.length > 0 || !parsed.success) throw invalid(errors);
  const { format, pages, filters, requestId, urlTtlSeconds } = parsed.data;
  const visuals = only ?? parsed.data.visuals;
  if (!deps.reportSource) throw new SluiceError('REPORT_NOT_FOUND', `no report ${JSON.stringify(id)}`);
  return {
    source: deps.reportSource,
    query: {
      kind: 'report',
      reportId: id,
      ...(pages ? { pages } : {}),
      ...(visuals ? { visuals } : {}),
      ...(filters ? { filters } : {}),
      ...(watermark ? { watermark } : {}),
    },
    format,
    ...(requestId === undefined ? {} : { requestId }),
    ...(urlTtlSeconds === undefined ? {} : { urlTtlSeconds }),
  };
}

export function ratePolicyFor(identity: TokenIdentity, policies: RatePolicySet = RatePolicies): RatePolicy {
  return identity.kind === 'api' ? policies.api : policies.interactive;
}

/**
 * The shared path of both export routes: validate → Idempotency-Key → rate limit → plan → job + outbox row
 * in one transaction → 202. Validation comes first (no state touched for a bad body); a replay is answered
 * before the rate limit, so a client's retry of an accepted request never spends a second token.
 */
export async function submitExport(
  deps: ApiDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  identity: TokenIdentity,
  parse: () => CallerRequest | Promise<CallerRequest>,
): Promise<FastifyReply> {
  const { response, headers } = await acceptExport(deps, req, identity, parse);
  return reply
    .code(response.status)
    .headers({ ...headers, ...response.headers })
    .send(response.body);
}

export interface Acceptance {
  /** 202 `{job_id}`, a replay of an earlier answer, or a problem. */
  response: StoredResponse;
  /** Rate-limit headers, and `idempotent-replayed` for a replay. */
  headers: Record<string, string>;
}

/** The accept path without the reply, for routes that answer differently once the job is queued. */
export async function acceptExport(
  deps: ApiDeps,
  req: FastifyRequest,
  identity: TokenIdentity,
  parse: () => CallerRequest | Promise<CallerRequest>,
): Promise<Acceptance> {
  const rawKey = req.headers['idempotency-key'];
  const key = Array.isArray(rawKey) ? rawKey[0] : rawKey;
  if (key !== undefined && !isValidIdempotencyKey(key))
    throw invalid([{ field: 'Idempotency-Key', rule: '1–255 printable ASCII characters' }]);
  const caller = await parse();

  let lockId: string | undefined;
  if (key !== undefined) {
    const fingerprint = requestFingerprint({ method: req.method, path: req.url, body: req.body });
    const begun = await deps.idempotency.begin({
      workspaceId: identity.workspaceId,
      userId: identity.userId,
      key,
      fingerprint,
    });
    if (begun.kind === 'replay')
      return { response: begun.response, headers: { 'idempotent-replayed': 'true' } };
    const refusal = idempotencyError(begun);
    if (refusal) throw refusal;
    lockId = (begun as { lockId: string }).lockId;
  }

  let response: StoredResponse;
  let extraHeaders: Record<string, string> = {};
  try {
    if (req.sluiceRateHeaders) {
      // Spent in onRequest, before the body was read or planned (request-guards.ts).
      extraHeaders = req.sluiceRateHeaders;
    } else {
      const policy = ratePolicyFor(identity, deps.ratePolicies);
      const decision = await deps.rateLimiter.check(policy, identity);
      extraHeaders = rateLimitHeaders(policy, decision);
      if (!decision.allowed) {
        throw new SluiceError(
          'RATE_LIMITED',
          `rate limit exceeded; retry in ${decision.retryAfterSeconds} s`,
          {
            retriable: true,
          },
        );
      }
    }
    const request: ExportRequested = {
      version: 1,
      workspaceId: identity.workspaceId,
      requestedBy: identity.userId,
      ...caller,
      requestId: apiRequestId(caller.requestId ?? defaultRequestId(identity.userId, key)),
    };
    // Every rule the worker would apply, applied now: what is knowable is a 4xx before any job exists.
    await planExport(request, deps.planning);
    const { jobId } = await enqueueExport(deps.pool, request, {
      ...(deps.requestTopic ? { topic: deps.requestTopic } : {}),
      ...(req.traceContext ? { traceparent: formatTraceparent(req.traceContext) } : {}),
    });
    deps.onEnqueued?.();
    response = {
      status: 202,
      body: { job_id: jobId },
      headers: { location: `/v1/jobs/${jobId}`, 'content-type': 'application/json; charset=utf-8' },
    };
  } catch (err) {
    const body: Problem = problemFromError(err);
    if (body.status >= 500) deps.log.error('api.export_failed', { err });
    response = { status: body.status, body, headers: { 'content-type': PROBLEM_CONTENT_TYPE } };
  }

  if (key !== undefined) {
    const ref = { workspaceId: identity.workspaceId, userId: identity.userId, key, lockId };
    // 5xx, 409 and 429 are not answers to the request but to the moment: a retry must run it again.
    const transient = response.status >= 500 || response.status === 409 || response.status === 429;
    if (transient) await deps.idempotency.abandon(ref);
    else await deps.idempotency.complete({ ...ref, response });
  }
  return { response, headers: extraHeaders };
}
