import { DatabaseError } from 'pg';
import { isSluiceError, SluiceError } from '../../core/errors.ts';

/** Socket-level failures: the server is down, unreachable or went away; another attempt may succeed. */
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

/**
 * A driver or server failure → a SluiceError whose code says what happened and whether retrying can
 * help. The SQLSTATE travels in `details.sqlstate` for anyone who needs the precise reason.
 */
export function toSluiceError(err: unknown, target: string): SluiceError {
  if (isSluiceError(err)) return err;
  if (err instanceof DatabaseError) return fromServer(err, target);
  const code = networkCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined || /Connection terminated|timeout expired|not queryable/i.test(message)) {
    return new SluiceError('SOURCE_UNAVAILABLE', `PostgreSQL at ${target} is unavailable: ${message}`, {
      retriable: true,
      cause: err,
      details: { target, ...(code ? { errno: code } : {}) },
    });
  }
  return new SluiceError('QUERY_FAILED', `PostgreSQL query failed: ${message}`, { cause: err });
}

function fromServer(err: DatabaseError, target: string): SluiceError {
  const sqlstate = err.code ?? '';
  const details: Record<string, unknown> = { sqlstate };
  if (err.detail) details.detail = err.detail;
  if (err.hint) details.hint = err.hint;
  if (err.position) details.position = Number(err.position);
  const said = `${err.message} (SQLSTATE ${sqlstate})`;
  const options = { cause: err, details };

  // query_canceled is both our statement_timeout and a cancel from elsewhere (pg_cancel_backend).
  if (sqlstate === '57014') {
    return /statement timeout/i.test(err.message)
      ? new SluiceError(
          'QUERY_TIMEOUT',
          `PostgreSQL stopped the query at statement_timeout: ${said}`,
          options,
        )
      : new SluiceError('QUERY_CANCELLED', `PostgreSQL cancelled the query: ${said}`, options);
  }
  // read_only_sql_transaction: the statement would have written; the read-only transaction stopped it.
  if (sqlstate === '25006') {
    return new SluiceError(
      'QUERY_NOT_READ_ONLY',
      `exports run read-only; the statement would change data or schema: ${said}`,
      options,
    );
  }
  if (sqlstate === '42P01') return new SluiceError('TABLE_NOT_FOUND', said, options);
  if (sqlstate === '42703') return new SluiceError('COLUMN_NOT_FOUND', said, options);
  // Connection exceptions, shutdown, too many connections, recovery: the server, not the query.
  if (
    sqlstate.startsWith('08') ||
    sqlstate === '57P01' ||
    sqlstate === '57P02' ||
    sqlstate === '57P03' ||
    sqlstate === '53300'
  ) {
    return new SluiceError('SOURCE_UNAVAILABLE', `PostgreSQL at ${target} is unavailable: ${said}`, {
      ...options,
      retriable: true,
    });
  }
  // Bad credentials or an unknown database will not fix themselves.
  if (sqlstate.startsWith('28') || sqlstate === '3D000') {
    return new SluiceError('SOURCE_UNAVAILABLE', `PostgreSQL at ${target} refused us: ${said}`, options);
  }
  // Serialization failures and deadlocks succeed when simply run again.
  const retriable = sqlstate === '40001' || sqlstate === '40P01';
  return new SluiceError('QUERY_FAILED', `PostgreSQL rejected the query: ${said}`, { ...options, retriable });
}

function networkCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError.
  const inner = (err as { errors?: unknown[] }).errors;
  return Array.isArray(inner) ? inner.map(networkCode).find((c) => c !== undefined) : undefined;
}

/** `host:port/database` of a connection URL, never its password: for messages and logs. */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}
