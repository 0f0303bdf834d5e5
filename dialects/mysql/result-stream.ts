import type { FieldPacket, QueryValues } from 'mysql2';
import type { CompiledQuery, RowBatch } from '../source.ts';
import { createBatchQueue } from './batches.ts';
import { cancelled, toSluiceError } from './errors.ts';
import type { Lease } from './session.ts';
import { invalidFields } from '../../schemas/parse-contract.ts';

export interface ResultStreamOptions {
  signal?: AbortSignal;
  batchRows: number;
  readAhead: number;
}

/** A statement running on a leased connection, its rows read as the consumer asks for them. */
export interface ResultStream {
  fields: FieldPacket[];
  /** Rows as mysql2 parsed them, in batches; null after the last. */
  take(): Promise<RowBatch | null>;
  /**
   * Idempotent. Once the server has sent everything this only drops buffered rows (the connection is back
   * in the pool already); before that it stops the statement on the server and closes the connection.
   */
  close(reason?: unknown): Promise<void>;
}

/**
 * Runs `compiled` on `lease` through mysql2's text protocol, reading rows from its `result` events and
 * pausing the connection when the consumer falls `readAhead` batches behind. Resolves once the column
 * definitions have arrived, rejects if the statement fails before that or returns no rows. Owns the lease:
 * every path ends with it released (result complete), destroyed or abandoned (KILL QUERY + close).
 */
export function startResultStream(
  lease: Lease,
  compiled: CompiledQuery,
  { signal, batchRows, readAhead }: ResultStreamOptions,
): Promise<ResultStream> {
  const conn = lease.connection;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      lease.release();
      reject(cancelled(signal.reason));
      return;
    }
    let fields: FieldPacket[] | undefined;
    let serverDone = false;
    let closing: Promise<void> | undefined;

    const queue = createBatchQueue({
      batchRows,
      readAhead,
      pause: () => conn.pause(),
      resume: () => conn.resume(),
    });

    const onAbort = () => void close(cancelled(signal?.reason));

    function close(reason: unknown = cancelled('the consumer stopped reading')): Promise<void> {
      if (!closing) {
        signal?.removeEventListener('abort', onAbort);
        conn.removeListener('error', finish);
        queue.fail(reason);
        closing = serverDone ? Promise.resolve() : lease.abandon();
        // stream() settles once the statement is gone from the server, not while its KILL is on the way.
        if (!fields) void closing.then(() => reject(reason));
      }
      return closing;
    }

    /** The server has sent its last packet for this statement, or the connection broke. */
    function finish(err?: unknown): void {
      if (serverDone) return;
      serverDone = true;
      conn.removeListener('error', finish);
      // The abort listener stays until close(): an abort still fails the batches not yet taken.
      if (closing) return; // abandon() owns the connection now
      if (err !== undefined) {
        // A statement error leaves the connection ready for the next one; a broken socket does not.
        if ((err as { fatal?: boolean }).fatal) lease.destroy();
        else lease.release();
        const failure = toSluiceError(err, 'MySQL query failed');
        if (fields) queue.fail(failure);
        else reject(failure);
      } else if (!fields) {
        // Not a SELECT. It has run, and it may have changed the session (SET time_zone …): not reused.
        lease.destroy();
        reject(invalidFields([{ field: 'query.sql', rule: 'must return rows (a SELECT)' }]));
      } else {
        lease.release();
        queue.end();
      }
    }

    const command = conn.query({
      sql: compiled.sql,
      values: compiled.params as QueryValues,
      rowsAsArray: true,
    });
    command.on('fields', (received: FieldPacket[] | undefined) => {
      // Only the first result set is exported (a CALL may return more); undefined means no result set.
      if (fields || !received || closing) return;
      fields = received;
      resolve({ fields, take: () => queue.take(), close });
    });
    command.on('result', (row: unknown, index: number) => {
      if (fields && index === 0) queue.push(row as unknown[]);
    });
    command.on('error', (err: unknown) => finish(err));
    command.on('end', () => finish());
    // A socket that breaks mid-result is reported on the connection only, never on an event-style command.
    conn.on('error', finish);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
