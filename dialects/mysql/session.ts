import mysql, { type ConnectionOptions, type FieldPacket, type PoolConnection, type TypeCast } from 'mysql2';
import { redactUrl } from '../../core/redact.ts';
import { toSluiceError } from './errors.ts';

export interface SessionOptions {
  url: string;
  poolSize: number;
  /** Server-side limit on each statement's run time; undefined for none. */
  statementTimeoutMs?: number;
  /** How long the server waits for a consumer that reads nothing before it drops the connection. */
  stallTimeoutMs: number;
}

/** A pooled connection, its session prepared, on loan to one caller. */
export interface Lease {
  /** mysql2's core connection: `query()` returns the event-emitting command the stream reads. */
  readonly connection: PoolConnection;
  /** A whole (small) result, rows as arrays: information_schema look-ups. */
  rows(sql: string, params?: unknown[]): Promise<unknown[][]>;
  /** Column definitions of a statement, from the server's prepare: nothing is executed. */
  prepareFields(sql: string): Promise<FieldPacket[]>;
  /**
   * Opens the transaction a statement of the caller's runs in: `START TRANSACTION READ ONLY`, so data
   * changes fail (ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION) even when a statement would lift the session's
   * read-only mode for itself (MariaDB's `SET STATEMENT tx_read_only = 0 FOR …`). Ended by release().
   */
  beginReadOnly(): Promise<void>;
  /** Back into the pool: only when no statement is running on it. A read-only transaction is committed first. */
  release(): void;
  /**
   * Stops the running statement on the server (KILL QUERY from a second connection), then closes the
   * socket: a connection is never returned to the pool in the middle of a result. Never rejects (a
   * failed KILL is left to the closed socket), so an abort listener may start it without awaiting it.
   */
  abandon(): Promise<void>;
  /** Closes the socket without a KILL: nothing runs, but the session may no longer be ours. */
  destroy(): void;
}

export interface Connector {
  acquire(): Promise<Lease>;
  end(): Promise<void>;
}

/**
 * mysql2's own DOUBLE parser adds digits one by one in a double and is off by one ulp for about 1 in 400
 * values with 16–17 significant digits; the server's text is the shortest exact form, so we keep it and
 * `Number()` it (values.ts). Geometry and VECTOR would otherwise be decoded into objects/arrays; their bytes
 * are exported as they are.
 */
const typeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case 'DOUBLE':
    case 'FLOAT':
      return field.string('ascii');
    case 'GEOMETRY':
    case 'VECTOR':
      return field.buffer();
    default:
      return next();
  }
};

/**
 * Everything arrives as exact text or bytes (values.ts converts once per column): no DECIMAL, BIGINT or
 * DOUBLE through mysql2's number parsing, no DATE/TIMESTAMP through a JS Date (which has no microseconds
 * and would apply the client's zone), JSON as its text. utf8mb4, as MySQL's `utf8` has no emoji.
 */
function connectionOptions(url: string): ConnectionOptions {
  return {
    uri: url,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    multipleStatements: false,
    typeCast,
  };
}

const NO_SUCH_THREAD = 1094;

export function createConnector(options: SessionOptions): Connector {
  const { url, poolSize, statementTimeoutMs, stallTimeoutMs } = options;
  const pool = mysql.createPool({ ...connectionOptions(url), connectionLimit: poolSize });
  // Pooled connections keep their session, so each one is prepared once, on its first loan.
  const prepared = new WeakSet<PoolConnection>();

  function getConnection(): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      pool.getConnection((err, conn) => {
        if (err) reject(toSluiceError(err, `cannot connect to ${redactUrl(url)}`));
        else resolve(conn);
      });
    });
  }

  async function prepareSession(conn: PoolConnection): Promise<void> {
    const [[version, sqlMode]] = (await rowsOn(conn, 'SELECT VERSION(), @@SESSION.sql_mode')) as [
      [string, string],
    ];
    const mariadb = /mariadb/i.test(version);
    const settings: [assignment: string, value?: string | number][] = [
      // TIMESTAMP values then arrive as UTC text, whatever the server's zone.
      ["time_zone = '+00:00'"],
      // mysql2 escapes bound values with backslashes, which NO_BACKSLASH_ESCAPES would read as plain text:
      // a quote in a filter value would end the string early.
      ['sql_mode = ?', withoutNoBackslashEscapes(sqlMode)],
      // A paused reader blocks the server's writes; past net_write_timeout (default 60 s) it hangs up.
      ['net_write_timeout = ?', Math.max(1, Math.ceil(stallTimeoutMs / 1000))],
    ];
    if (statementTimeoutMs !== undefined) {
      settings.push(
        mariadb
          ? ['max_statement_time = ?', statementTimeoutMs / 1000] // seconds, any statement
          : ['max_execution_time = ?', Math.ceil(statementTimeoutMs)], // milliseconds, SELECT only
      );
    }
    await rowsOn(
      conn,
      `SET ${settings.map(([assignment]) => `SESSION ${assignment}`).join(', ')}`,
      settings.flatMap(([, value]) => (value === undefined ? [] : [value])),
    );
    // Every statement on a source connection is read-only, autocommit ones and DDL included (an explicit
    // READ ONLY transaction alone does not stop DDL, whose implicit commit ends it first).
    await rowsOn(conn, 'SET SESSION TRANSACTION READ ONLY');
  }

  async function killQuery(threadId: number): Promise<void> {
    // A connection of its own, not from the pool: the pool may be full of the very streams being stopped.
    const control = mysql.createConnection({ uri: url, connectTimeout: 5000 });
    control.on('error', () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        control.query('KILL QUERY ?', [threadId], (err) => {
          // The statement may have finished, and the thread gone, in the meantime.
          if (err && err.errno !== NO_SUCH_THREAD) reject(err);
          else resolve();
        });
      });
    } finally {
      control.destroy();
    }
  }

  return {
    async acquire() {
      const conn = await getConnection();
      try {
        if (!prepared.has(conn)) {
          await prepareSession(conn);
          prepared.add(conn);
        }
        return lease(conn, killQuery);
      } catch (err) {
        conn.destroy();
        throw toSluiceError(err, 'cannot prepare the MySQL session');
      }
    },
    end() {
      return new Promise((resolve, reject) => pool.end((err) => (err ? reject(err) : resolve())));
    },
  };
}

function lease(conn: PoolConnection, killQuery: (threadId: number) => Promise<void>): Lease {
  // Once given back, released or closed, every later call is a no-op: a result that ends while its KILL is
  // on the way must not put the connection back into the pool.
  let onLoan = true;
  let inTransaction = false;
  const closeSocket = () => {
    // Late socket errors from a connection we are done with must not become uncaught exceptions.
    conn.on('error', () => {});
    conn.destroy();
    // mysql2's destroy() only ends our half of the socket; a server blocked writing to a paused reader
    // would not notice for net_write_timeout seconds. Closing both halves makes its next write fail.
    (conn as unknown as { stream?: { destroy(): void } }).stream?.destroy();
  };
  return {
    connection: conn,
    rows: (sql, params) => rowsOn(conn, sql, params),
    prepareFields: (sql) =>
      new Promise((resolve, reject) => {
        conn.prepare(sql, (err, statement) => {
          if (err) return reject(err);
          // mysql2's typings leave out the column definitions its prepare result carries.
          const fields = (statement as unknown as { columns: FieldPacket[] }).columns;
          // Closes the server-side statement and drops it from mysql2's statement cache.
          conn.unprepare(sql);
          resolve(fields);
        });
      }),
    async beginReadOnly() {
      await rowsOn(conn, 'START TRANSACTION READ ONLY');
      inTransaction = true;
    },
    release() {
      if (!onLoan) return;
      onLoan = false;
      // Queued on the connection ahead of whatever its next borrower sends, so nobody reads in our
      // snapshot; a COMMIT of a read-only transaction has nothing to lose if it fails.
      if (inTransaction) conn.query('COMMIT', () => {});
      conn.release();
    },
    async abandon() {
      if (!onLoan) return;
      onLoan = false;
      try {
        await killQuery(conn.threadId);
      } catch {
        // Without the KILL the server still stops, at its next write into the closed socket below.
      } finally {
        closeSocket();
      }
    },
    destroy() {
      if (!onLoan) return;
      onLoan = false;
      closeSocket();
    },
  };
}

function rowsOn(conn: PoolConnection, sql: string, params: unknown[] = []): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    conn.query({ sql, values: params, rowsAsArray: true }, (err, rows) => {
      if (err) reject(err);
      else resolve(rows as unknown[][]);
    });
  });
}

export function withoutNoBackslashEscapes(sqlMode: string): string {
  return sqlMode
    .split(',')
    .filter((mode) => mode !== '' && mode.toUpperCase() !== 'NO_BACKSLASH_ESCAPES')
    .join(',');
}
