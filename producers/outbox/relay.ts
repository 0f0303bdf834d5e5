import type { Message, Producer } from 'kafkajs';
import { withTransaction } from '../../core/pg-transaction.ts';
import type pg from 'pg';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { backoffDelay } from './backoff.ts';
import { claimPending, markFailed, markPublished, type OutboxRow } from './outbox-store.ts';

export interface OutboxRelayConfig {
  pool: pg.Pool;
  /** Best made with createOutboxProducer (idempotent, bounded retries). The relay connects it; the caller disconnects it. */
  producer: Producer;
  log: Logger;
  /** Rows claimed and sent per transaction. */
  batchSize?: number;
  /** How often to look at the table when nobody woke the relay (rows enqueued by other processes). */
  pollIntervalMs?: number;
  /** First delay after a failed flush; doubles per consecutive failure. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A send still pending after this long counts as failed, so a hung broker cannot hold row locks forever. */
  sendTimeoutMs?: number;
}

export interface FlushResult {
  /** Rows sent and marked published. */
  published: number;
  /** Rows held back for another relay's earlier row of the same key. */
  deferred: number;
  /** The send failed; the rows were left pending with the error recorded. */
  failed: boolean;
}

export interface OutboxRelay {
  /** One claim → send → mark round; serialized with the background loop. */
  flushOnce(): Promise<FlushResult>;
  /** Rows were just enqueued in this process: look now rather than at the next poll. */
  wake(): void;
  /** Stops the loop after the round in flight; pending rows stay for the next relay. */
  stop(): Promise<void>;
}

/**
 * Publishes outbox rows to Kafka: at least once, in id order per key. The row is marked published in the
 * transaction that locked it, only after the broker acknowledged it; if that commit is lost the row is sent
 * again, which the worker's job store absorbs (same job id, same request hash).
 */
export async function startOutboxRelay(config: OutboxRelayConfig): Promise<OutboxRelay> {
  const {
    pool,
    producer,
    log,
    batchSize = 100,
    pollIntervalMs = 1_000,
    initialBackoffMs = 200,
    maxBackoffMs = 30_000,
    sendTimeoutMs = 30_000,
  } = config;
  for (const [name, value] of Object.entries({
    batchSize,
    pollIntervalMs,
    initialBackoffMs,
    sendTimeoutMs,
  })) {
    if (!Number.isInteger(value) || value < 1)
      throw new SluiceError('CONFIG_INVALID', `${name} must be a positive integer, got ${value}`);
  }
  if (!(maxBackoffMs >= initialBackoffMs))
    throw new SluiceError(
      'CONFIG_INVALID',
      `maxBackoffMs ${maxBackoffMs} < initialBackoffMs ${initialBackoffMs}`,
    );

  let connected = false;
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();
  let pendingWake = false;
  let wakeSleeper: (() => void) | undefined;

  async function send(rows: OutboxRow[]): Promise<void> {
    if (!connected) {
      await producer.connect();
      connected = true;
    }
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      // The outbox id travels along, so a consumer that cares can recognise a redelivered row.
      messages.push({
        key: row.key,
        value: row.value,
        headers: { ...row.headers, 'sluice-outbox-id': row.id },
      });
      byTopic.set(row.topic, messages);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new SluiceError('INFRA_UNAVAILABLE', `send not acknowledged within ${sendTimeoutMs} ms`)),
        sendTimeoutMs,
      );
    });
    try {
      await Promise.race([
        producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function flush(): Promise<FlushResult> {
    const result = await withTransaction(pool, async (client) => {
      const { rows, deferred } = await claimPending(client, batchSize);
      if (rows.length === 0) return { published: 0, deferred, failed: false };
      const ids = rows.map((r) => r.id);
      let failed = false;
      try {
        await send(rows);
        await markPublished(client, ids);
      } catch (err) {
        failed = true;
        // Reconnect before the next send: a producer whose broker vanished may be left disconnected.
        connected = false;
        const message = err instanceof Error ? err.message : String(err);
        log.warn('outbox.publish_failed', { rows: ids.length, firstId: ids[0], message });
        await markFailed(client, ids, message);
      }
      return { published: failed ? 0 : ids.length, deferred, failed, ids };
    });
    if (!result.failed && result.published > 0) {
      log.debug('outbox.published', {
        rows: result.published,
        firstId: result.ids?.[0],
        deferred: result.deferred,
      });
    }
    return { published: result.published, deferred: result.deferred, failed: result.failed };
  }

  function flushOnce(): Promise<FlushResult> {
    const run = chain.then(flush);
    chain = run.catch(() => {});
    return run;
  }

  function wake() {
    pendingWake = true;
    wakeSleeper?.();
  }

  /** Waits `ms`; a wake-up ends the wait early only when `wakeable` (not while backing off). */
  function sleep(ms: number, wakeable: boolean): Promise<void> {
    if (stopped) return Promise.resolve();
    if (wakeable && pendingWake) {
      pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakeSleeper = undefined;
        if (wakeable) pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeSleeper = () => {
        if (wakeable || stopped) done();
      };
    });
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      let result: FlushResult | undefined;
      try {
        result = await flushOnce();
      } catch (err) {
        log.error('outbox.flush_error', { err }); // the database, not the broker: the same backoff applies
      }
      if (stopped) break;
      if (!result || result.failed) {
        failures += 1;
        const delayMs = backoffDelay(failures, { initialMs: initialBackoffMs, maxMs: maxBackoffMs });
        log.info('outbox.backing_off', { failures, delayMs });
        await sleep(delayMs, false);
        continue;
      }
      failures = 0;
      // A full batch means more rows are likely waiting; deferred rows wait for another relay's commit,
      // which wakes nobody here, so look again soon rather than at the next poll.
      if (result.published > 0 && result.published + result.deferred >= batchSize) continue;
      await sleep(result.deferred > 0 ? Math.min(pollIntervalMs, 50) : pollIntervalMs, true);
    }
  }

  const running = loop();
  log.info('outbox.relay_started', { batchSize, pollIntervalMs, maxBackoffMs });

  return {
    flushOnce,
    wake,
    async stop() {
      stopped = true;
      wakeSleeper?.();
      await running;
      await chain;
      log.info('outbox.relay_stopped');
    },
  };
}
