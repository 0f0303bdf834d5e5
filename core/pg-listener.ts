import type pg from 'pg';
import type { Logger } from './logger.ts';

export interface NotificationListener {
  close(): Promise<void>;
}

/**
 * Holds one pooled connection LISTENing on `channel` and calls `onNotify` for each notification. A dropped
 * connection is replaced after `retryMs`; `onNotify` is also called on every (re)connect, because
 * notifications sent while nobody listened are gone and only a fresh look at the table finds their rows.
 * Polling stays the caller's fallback, so a listener that cannot connect only makes publishing slower.
 */
export function listenForNotifications({
  pool,
  channel,
  onNotify,
  log,
  retryMs = 1_000,
}: {
  pool: pg.Pool;
  channel: string;
  onNotify: () => void;
  log: Logger;
  retryMs?: number;
}): NotificationListener {
  let closed = false;
  let client: pg.PoolClient | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const onNotification = () => onNotify();
  const onError = (err: Error) => {
    log.warn('pg.listener_lost', { channel, err });
    drop(err);
    schedule();
  };

  function drop(err?: Error) {
    const c = client;
    client = undefined;
    if (!c) return;
    c.off('notification', onNotification);
    c.off('error', onError);
    // Always destroyed, never handed back: a failed connection is useless, and a healthy one still LISTENs,
    // which the next borrower of a pooled connection must not inherit.
    c.release(err ?? true);
  }

  function schedule() {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, retryMs);
  }

  async function connect() {
    if (closed) return;
    let c: pg.PoolClient | undefined;
    try {
      c = await pool.connect();
      c.on('error', onError);
      c.on('notification', onNotification);
      client = c;
      // Identifier, not a bind parameter: LISTEN takes no parameters; the channel is ours, not user input.
      await c.query(`LISTEN ${channel}`);
      if (closed) return drop();
      onNotify();
    } catch (err) {
      log.warn('pg.listener_failed', { channel, err });
      // If the connection's 'error' event already dropped it, it is released; do not release it twice.
      if (c && client === c) drop(err as Error);
      schedule();
    }
  }

  const started = connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await started;
      drop();
    },
  };
}
