import { SluiceError } from '../../core/errors.ts';

/** What mysql2 puts on its errors: server errors carry errno/sqlState, socket errors a Node code. */
interface MysqlErrorLike {
  message?: string;
  code?: string;
  errno?: number;
  sqlState?: string;
  fatal?: boolean;
}

// Server error numbers (MariaDB and MySQL share them below 3000).
const ER_DBACCESS_DENIED = 1044;
const ER_ACCESS_DENIED = 1045;
const ER_BAD_DB = 1049;
const ER_BAD_FIELD = 1054;
const ER_NO_SUCH_TABLE = 1146;
const ER_QUERY_INTERRUPTED = 1317;
const ER_STATEMENT_TIMEOUT = 1969; // MariaDB max_statement_time
const ER_QUERY_TIMEOUT = 3024; // MySQL max_execution_time
const ER_ACCESS_DENIED_NO_PASSWORD = 1698;
const ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION = 1792;

/** The server or the network is briefly unable, not the query wrong: trying again may well work. */
const TRANSIENT = new Set<number | string>([
  1040, // too many connections
  1053, // server shutdown in progress
  1205, // lock wait timeout
  1213, // deadlock
  1927, // connection killed (MariaDB)
  2006, // server has gone away
  2013, // lost connection during query
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

const REJECTED_LOGIN = new Set([
  ER_ACCESS_DENIED,
  ER_ACCESS_DENIED_NO_PASSWORD,
  ER_DBACCESS_DENIED,
  ER_BAD_DB,
]);

/**
 * One place decides what a MySQL/MariaDB failure means for sluice. `doing` says what we were at, for the
 * message; the server's own message follows it. The SQL is never copied in: mysql2's `err.sql` holds the
 * bound values written into the text.
 */
export function toSluiceError(err: unknown, doing: string): SluiceError {
  if (err instanceof SluiceError) return err;
  const e = (err ?? {}) as MysqlErrorLike;
  const message = `${doing}: ${e.message ?? String(err)}`;
  const details: Record<string, unknown> = {};
  if (e.errno !== undefined) details.errno = e.errno;
  if (e.sqlState !== undefined) details.sqlState = e.sqlState;
  if (e.code !== undefined) details.code = e.code;
  const options = { cause: err, details };

  switch (e.errno) {
    case ER_NO_SUCH_TABLE:
      return new SluiceError('TABLE_NOT_FOUND', message, options);
    case ER_BAD_FIELD:
      return new SluiceError('COLUMN_NOT_FOUND', message, options);
    case ER_STATEMENT_TIMEOUT:
    case ER_QUERY_TIMEOUT:
      // The same statement over the same data would run out of time again: raise the limit instead.
      return new SluiceError('QUERY_TIMEOUT', message, options);
    case ER_QUERY_INTERRUPTED:
      return new SluiceError('QUERY_CANCELLED', message, options);
    case ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION:
      return notReadOnly(message, options);
  }
  if ((e.errno !== undefined && TRANSIENT.has(e.errno)) || (e.code !== undefined && TRANSIENT.has(e.code))) {
    const code = e.errno === 1205 || e.errno === 1213 ? 'QUERY_FAILED' : 'SOURCE_UNAVAILABLE';
    return new SluiceError(code, message, { ...options, retriable: true });
  }
  if (e.errno !== undefined && REJECTED_LOGIN.has(e.errno)) {
    return new SluiceError('SOURCE_UNAVAILABLE', message, options);
  }
  if (e.code === 'ENOTFOUND') {
    // A host name that does not resolve is a configuration mistake more often than a DNS hiccup.
    return new SluiceError('SOURCE_UNAVAILABLE', message, options);
  }
  return new SluiceError('QUERY_FAILED', message, options);
}

/** Exports only read: a statement that would change data or schema is refused, and changes nothing. */
export function notReadOnly(
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
) {
  return new SluiceError(
    'QUERY_NOT_READ_ONLY',
    `exports run read-only; the statement would change data or schema: ${message}`,
    options,
  );
}

export function cancelled(reason: unknown): SluiceError {
  return new SluiceError('QUERY_CANCELLED', 'the query was cancelled', { cause: reason });
}
