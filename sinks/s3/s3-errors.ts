import { isSluiceError, SluiceError } from '../../core/errors.ts';

/**
 * S3 error names that no retry will fix: the credentials, the bucket or the account are wrong, and stay
 * wrong until someone changes the configuration.
 */
const REFUSED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'AccountProblem',
  'ExpiredToken',
  'InvalidAccessKeyId',
  'InvalidBucketName',
  'InvalidToken',
  'NoSuchBucket',
  'SignatureDoesNotMatch',
]);

/** The store is busy or briefly broken: the same request succeeds later (S3's own advice for these names). */
const TRANSIENT = new Set([
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'ServiceUnavailable',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'TimeoutError',
]);

/** Socket-level failures: the store is down, unreachable, or dropped the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

export interface S3Target {
  bucket: string;
  key?: string;
}

/**
 * An S3 SDK or socket failure → SINK_WRITE_FAILED with a retry decision taken from the HTTP status and the
 * S3 error name, as dialects/postgres/errors.ts does from the SQLSTATE: wrong credentials or bucket are not
 * retried; 5xx, throttling and broken connections are. `details` keeps the name, status and errno.
 */
export function toSinkError(err: unknown, target: S3Target): SluiceError {
  if (isSluiceError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const s3Error = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const errno = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const where = `s3://${target.bucket}${target.key === undefined ? '' : `/${target.key}`}`;
  const said = [s3Error, status === undefined ? undefined : `HTTP ${status}`, errno]
    .filter(Boolean)
    .join(', ');
  const details = {
    bucket: target.bucket,
    ...(target.key === undefined ? {} : { key: target.key }),
    ...(s3Error === undefined ? {} : { s3Error }),
    ...(status === undefined ? {} : { httpStatus: status }),
    ...(errno === undefined ? {} : { errno }),
  };
  return new SluiceError(
    'SINK_WRITE_FAILED',
    `S3 failed for ${where}: ${message}${said ? ` (${said})` : ''}`,
    {
      cause: err,
      retriable: isRetriable(s3Error, status, errno),
      details,
    },
  );
}

function isRetriable(
  s3Error: string | undefined,
  status: number | undefined,
  errno: string | undefined,
): boolean {
  if (s3Error !== undefined && REFUSED.has(s3Error)) return false;
  if (s3Error !== undefined && TRANSIENT.has(s3Error)) return true;
  if (errno !== undefined && NETWORK_CODES.has(errno)) return true;
  if (status !== undefined) return status >= 500 || status === 429;
  // No answer from the store and no known socket error (our own abort, a bug): running again will not help.
  return false;
}
