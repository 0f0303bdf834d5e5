import type { Row, RowBatch } from '../source.ts';

export interface BatchQueueOptions {
  batchRows: number;
  /** Full batches held for the consumer before the producer is paused. */
  readAhead: number;
  /** Stop the producer (the connection stops reading its socket, so TCP stops the server). */
  pause(): void;
  resume(): void;
}

/**
 * Rows in from a push-style producer (mysql2's `result` events), batches out to a pull-style consumer. At
 * most `readAhead` full batches wait, plus the one being filled, so memory is bounded by `batchRows` whatever
 * the row count; a slow consumer slows the server through TCP instead of filling the heap.
 */
export interface BatchQueue {
  push(row: Row): void;
  /** No more rows: what is buffered is still handed out. */
  end(): void;
  /** Drops what is buffered; every take() from now on rejects with `err`. */
  fail(err: unknown): void;
  /** The next batch, or null after the last; one take() at a time. */
  take(): Promise<RowBatch | null>;
  /** Rows held right now, for tests and progress logs. */
  readonly bufferedRows: number;
}

interface Waiter {
  resolve(batch: RowBatch | null): void;
  reject(err: unknown): void;
}

export function createBatchQueue({ batchRows, readAhead, pause, resume }: BatchQueueOptions): BatchQueue {
  let filling: Row[] = [];
  const ready: RowBatch[] = [];
  let ended = false;
  let failure: { err: unknown } | undefined;
  let paused = false;
  let waiter: Waiter | undefined;

  /** A batch if one can be handed out now, null when all are out, undefined to wait. */
  function nextBatch(): RowBatch | null | undefined {
    const batch = ready.shift();
    if (batch) return batch;
    if (!ended) return undefined;
    if (filling.length === 0) return null;
    const last = filling;
    filling = [];
    return last;
  }

  function settleWaiter(): void {
    if (!waiter) return;
    const w = waiter;
    if (failure) {
      waiter = undefined;
      w.reject(failure.err);
      return;
    }
    const batch = nextBatch();
    if (batch === undefined) return;
    waiter = undefined;
    w.resolve(batch);
  }

  function resumeIfRoom(): void {
    // resume() may replay rows synchronously, re-entering push(); state is consistent by then.
    if (paused && !ended && !failure && ready.length < readAhead) {
      paused = false;
      resume();
    }
  }

  return {
    push(row) {
      if (ended || failure) return;
      filling.push(row);
      if (filling.length < batchRows) return;
      ready.push(filling);
      filling = [];
      // A waiting consumer takes the batch first, so the producer pauses only when batches really pile up.
      settleWaiter();
      if (!paused && ready.length >= readAhead) {
        paused = true;
        pause();
      }
    },

    end() {
      if (ended || failure) return;
      ended = true;
      settleWaiter();
    },

    fail(err) {
      if (failure) return;
      failure = { err };
      ready.length = 0;
      filling = [];
      settleWaiter();
    },

    take() {
      if (waiter)
        return Promise.reject(new Error('BatchQueue.take() called while another take() is pending'));
      if (failure) return Promise.reject(failure.err);
      const batch = nextBatch();
      if (batch !== undefined) {
        resumeIfRoom();
        return Promise.resolve(batch);
      }
      return new Promise<RowBatch | null>((resolve, reject) => {
        waiter = { resolve, reject };
        resumeIfRoom();
      });
    },

    get bufferedRows() {
      return filling.length + ready.reduce((n, b) => n + b.length, 0);
    },
  };
}
