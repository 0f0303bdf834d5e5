import type { FastifyReply } from 'fastify';
import type { ZodError } from 'zod';
import { isSluiceError, SluiceError, type ErrorCode } from '../../core/errors.ts';

/** One rejected input: which field, and the rule it broke. */
export interface FieldError {
  field: string;
  rule: string;
}

/** RFC 9457 problem details, plus the stable `code` callers match on. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status and title per code the API can answer with; anything else is a 500. */
export const PROBLEM_STATUS: Partial<Record<ErrorCode, { status: number; title: string }>> = {
  REQUEST_INVALID: { status: 400, title: 'The request is invalid' },
  FORMAT_UNSUPPORTED: { status: 400, title: 'The format is not supported' },
  COLUMN_NOT_FOUND: { status: 400, title: 'No such column' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  SOURCE_NOT_GRANTED: { status: 403, title: 'The source is not granted to this workspace' },
  TABLE_NOT_GRANTED: { status: 403, title: 'The table is not granted on this source' },
  QUERY_NOT_READ_ONLY: { status: 400, title: 'Exports are read-only' },
  RAW_SQL_NOT_ALLOWED: { status: 403, title: 'Raw SQL is not allowed here' },
  ROW_SECURITY_UNENFORCEABLE: { status: 403, title: 'Row-level security cannot be applied' },
  SOURCE_UNKNOWN: { status: 404, title: 'No such source' },
  TABLE_NOT_FOUND: { status: 404, title: 'No such table' },
  JOB_NOT_FOUND: { status: 404, title: 'No such job' },
  REPORT_NOT_FOUND: { status: 404, title: 'No such report' },
  VISUAL_NOT_FOUND: { status: 404, title: 'No such visual' },
  SHARED_LINK_NOT_FOUND: { status: 404, title: 'No such shared link' },
  SHARED_LINK_EXPIRED: { status: 410, title: 'Shared link expired' },
  SCHEDULE_NOT_FOUND: { status: 404, title: 'No such schedule' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  REQUEST_CONFLICT: { status: 409, title: 'The requestId was already used for a different request' },
  IDEMPOTENCY_KEY_IN_FLIGHT: { status: 409, title: 'A request with this Idempotency-Key is in progress' },
  JOB_NOT_SUCCEEDED: { status: 409, title: 'The job has not succeeded' },
  JOB_ALREADY_FINISHED: { status: 409, title: 'The job has already finished' },
  REQUEST_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used for a different request' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  QUERY_FAILED: { status: 502, title: 'The database refused the query' },
  SOURCE_UNAVAILABLE: { status: 502, title: 'The source database is unavailable' },
  INFRA_UNAVAILABLE: { status: 503, title: 'A dependency is unavailable' },
  QUERY_TIMEOUT: { status: 504, title: 'A query ran past its timeout' },
};

export function problemType(code: string): string {
  return `urn:sluice:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

export function problem(code: ErrorCode, detail: string, errors?: FieldError[]): Problem {
  const known = PROBLEM_STATUS[code] ?? { status: 500, title: 'Internal error' };
  return {
    type: problemType(code),
    title: known.title,
    status: known.status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** A REQUEST_INVALID error naming the fields and rules, which `problemFromError` turns into `errors`. */
export function invalid(errors: FieldError[]): SluiceError {
  return new SluiceError('REQUEST_INVALID', errors.map((e) => `${e.field}: ${e.rule}`).join('; '), {
    details: { errors },
  });
}

/** zod issues as field/rule pairs; an unrecognised key is named itself, not its parent object. */
export function fieldErrorsFromZod(error: ZodError, prefix: string[] = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: [...path, key].join('.'), rule: 'unrecognized field' });
    } else {
      out.push({ field: path.join('.') || '(body)', rule: issue.message });
    }
  }
  return out;
}

/**
 * Any error as a problem. SluiceErrors keep their code; fastify's own 4xx (malformed JSON, wrong media
 * type, body too large) become REQUEST_INVALID with fastify's status; anything else is an opaque 500.
 */
export function problemFromError(err: unknown): Problem {
  if (isSluiceError(err)) {
    const details = err.details as { errors?: FieldError[]; field?: string; rule?: string };
    const errors =
      details.errors ??
      (details.field && details.rule ? [{ field: details.field, rule: details.rule }] : undefined);
    const known = PROBLEM_STATUS[err.code];
    if (known) return problem(err.code, err.message, errors);
    return problem('INTERNAL_ERROR', 'internal error');
  }
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const message = err instanceof Error ? err.message : 'invalid request';
    const field = (err as { code?: string }).code?.startsWith('FST_ERR_CTP') ? '(body)' : '(request)';
    return { ...problem('REQUEST_INVALID', message, [{ field, rule: message }]), status: statusCode };
  }
  return problem('INTERNAL_ERROR', 'internal error');
}

export function sendProblem(
  reply: FastifyReply,
  body: Problem,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply.code(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body);
}
