import type { PoolClient } from 'pg';
import { toSluiceError } from './errors.ts';
import type { Lease } from './connection-lease.ts';

/**
 * The life of one streaming query on its leased connection, shared by the COPY and cursor paths. An abort
 * tears the query down at once, even while the consumer is not pulling (a generator parked at `yield`
 * runs no code until it is resumed); the generator then surfaces the abort reason, as sources do.
 */
export interface QueryRun {
  readonly client: PoolClient;
  /** Throws the signal's reason once it has fired. */
  check(): void;
  /** What a failure surfaces as: the abort reason when aborted, else a SluiceError. */
  failure(err: unknown): unknown;
  /** Released when the query ran to its end, destroyed (server query cancelled) otherwise. Idempotent. */
  finish(clean: boolean): Promise<void>;
}

export function startQueryRun(lease: Lease, signal: AbortSignal | undefined, target: string): QueryRun {
  let finished: Promise<void> | null = null;
  const finish = (clean: boolean): Promise<void> => {
    if (!finished) {
      signal?.removeEventListener('abort', onAbort);
      if (clean) {
        lease.release();
        finished = Promise.resolve();
      } else {
        finished = lease.destroy();
      }
    }
    return finished;
  };
  const onAbort = () => void finish(false);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    client: lease.client,
    check: () => signal?.throwIfAborted(),
    failure: (err) => (signal?.aborted ? signal.reason : toSluiceError(err, target)),
    finish,
  };
}

/**
 * The batches as handed to the consumer. An async generator that has not started yet ignores return() —
 * its `finally`, which gives the connection up, never runs — so a consumer that gives up before its first
 * next() (pipeline() failing early, say) would strand the connection. Ending the run here covers that case
 * too; when the generator did run, its own `finally` got there first and this is a no-op.
 */
export function guardBatches<T>(run: QueryRun, generator: AsyncGenerator<T>): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => generator.next(),
    async return(value?: unknown) {
      try {
        return await generator.return(value);
      } finally {
        await run.finish(false);
      }
    },
    async throw(err?: unknown) {
      try {
        return await generator.throw(err);
      } finally {
        await run.finish(false);
      }
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
