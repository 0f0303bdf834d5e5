import { redactText } from './redact.ts';

/**
 * Every failure sluice reports carries a stable code (what other teams match on), a human message, and a
 * retry decision made where the failure is understood rather than guessed at by whoever catches it.
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  INFRA_UNAVAILABLE: 'INFRA_UNAVAILABLE',
  SOURCE_UNSUPPORTED: 'SOURCE_UNSUPPORTED',
  SOURCE_UNKNOWN: 'SOURCE_UNKNOWN',
  SOURCE_NOT_GRANTED: 'SOURCE_NOT_GRANTED',
  TABLE_NOT_GRANTED: 'TABLE_NOT_GRANTED',
  ROW_SECURITY_UNENFORCEABLE: 'ROW_SECURITY_UNENFORCEABLE',
  SOURCE_UNAVAILABLE: 'SOURCE_UNAVAILABLE',
  VALUE_UNREPRESENTABLE: 'VALUE_UNREPRESENTABLE',
  ENCODER_FAILED: 'ENCODER_FAILED',
  TABLE_NOT_FOUND: 'TABLE_NOT_FOUND',
  COLUMN_NOT_FOUND: 'COLUMN_NOT_FOUND',
  FORMAT_UNSUPPORTED: 'FORMAT_UNSUPPORTED',
  SINK_UNSUPPORTED: 'SINK_UNSUPPORTED',
  SINK_WRITE_FAILED: 'SINK_WRITE_FAILED',
  QUERY_FAILED: 'QUERY_FAILED',
  QUERY_TIMEOUT: 'QUERY_TIMEOUT',
  QUERY_CANCELLED: 'QUERY_CANCELLED',
  QUERY_NOT_READ_ONLY: 'QUERY_NOT_READ_ONLY',
  RAW_SQL_NOT_ALLOWED: 'RAW_SQL_NOT_ALLOWED',
  REQUEST_INVALID: 'REQUEST_INVALID',
  REQUEST_MALFORMED: 'REQUEST_MALFORMED',
  REQUEST_CONFLICT: 'REQUEST_CONFLICT',
  REQUEST_EXPIRED: 'REQUEST_EXPIRED',
  SCHEMA_INCOMPATIBLE: 'SCHEMA_INCOMPATIBLE',
  SCHEMA_REGISTRY_UNAVAILABLE: 'SCHEMA_REGISTRY_UNAVAILABLE',
  /** The CLI only: a command called with wrong or missing flags. Never in an event or an HTTP answer. */
  USAGE: 'USAGE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  RATE_LIMITED: 'RATE_LIMITED',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'IDEMPOTENCY_KEY_IN_FLIGHT',
  JOB_NOT_FOUND: 'JOB_NOT_FOUND',
  JOB_NOT_SUCCEEDED: 'JOB_NOT_SUCCEEDED',
  JOB_ALREADY_FINISHED: 'JOB_ALREADY_FINISHED',
  JOB_ABANDONED: 'JOB_ABANDONED',
  REPORT_NOT_FOUND: 'REPORT_NOT_FOUND',
  VISUAL_NOT_FOUND: 'VISUAL_NOT_FOUND',
  SHARED_LINK_NOT_FOUND: 'SHARED_LINK_NOT_FOUND',
  RENDER_LIMIT_EXCEEDED: 'RENDER_LIMIT_EXCEEDED',
  RENDER_TIMEOUT: 'RENDER_TIMEOUT',
  SCHEDULE_NOT_FOUND: 'SCHEDULE_NOT_FOUND',
  DELIVERY_FAILED: 'DELIVERY_FAILED',
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  INTERRUPTED: 'INTERRUPTED',
  TARGET_EXISTS: 'TARGET_EXISTS',
  POLICY_NOT_FOUND: 'POLICY_NOT_FOUND',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface SluiceErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    // Messages often quote a driver's, which may quote a connection URL: masked here, once, for every path
    // a message travels (job errors, failure events, logs, HTTP problems, CLI output).
    super(redactText(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = redactDetails(options.details ?? {});
  }
}

function redactDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) out[k] = typeof v === 'string' ? redactText(v) : v;
  return out;
}

export function isSluiceError(err: unknown): err is SluiceError {
  return err instanceof SluiceError;
}
