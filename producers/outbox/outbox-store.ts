import type pg from 'pg';

export interface OutboxRow {
  /** bigint, kept as the driver's string. */
  id: string;
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  attempts: number;
}

export interface ClaimedBatch {
  /** Rows to publish now, in id order. */
  rows: OutboxRow[];
  /** Rows locked but held back because another relay is publishing an earlier row of the same key. */
  deferred: number;
}

/**
 * Locks up to `limit` pending rows, oldest first, inside the caller's transaction. SKIP LOCKED lets relays in
 * several processes share the table without waiting on or double-publishing each other's rows. Because two
 * relays may hold rows of the same key, a row is held back while an earlier row of its key is still pending
 * and not ours: that one is in flight elsewhere, and publishing ours first would break the key's order.
 */
export async function claimPending(client: pg.ClientBase, limit: number): Promise<ClaimedBatch> {
  const { rows } = await client.query<OutboxRow>(
    `SELECT id, topic, key, value, headers, attempts
       FROM sluice_outbox
      WHERE published_at IS NULL
      ORDER BY id
      LIMIT $1
      FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  if (rows.length === 0) return { rows, deferred: 0 };
  const keys = [...new Set(rows.flatMap((r) => (r.key === null ? [] : [r.key])))];
  const { rows: blockers } = await client.query<{ key: string; first_id: string }>(
    `SELECT key, min(id)::text AS first_id
       FROM sluice_outbox
      WHERE published_at IS NULL AND key = ANY($1::text[]) AND id < $2 AND id <> ALL($3::bigint[])
      GROUP BY key`,
    [keys, rows[rows.length - 1]!.id, rows.map((r) => r.id)],
  );
  if (blockers.length === 0) return { rows, deferred: 0 };
  const firstForeign = new Map(blockers.map((b) => [b.key, BigInt(b.first_id)]));
  const ready = rows.filter((r) => {
    const blocker = r.key === null ? undefined : firstForeign.get(r.key);
    return blocker === undefined || BigInt(r.id) < blocker;
  });
  return { rows: ready, deferred: rows.length - ready.length };
}

export async function markPublished(client: pg.ClientBase, ids: string[]): Promise<void> {
  await client.query(
    `UPDATE sluice_outbox
        SET published_at = now(), attempts = attempts + 1, last_attempt_at = now()
      WHERE id = ANY($1::bigint[])`,
    [ids],
  );
}

/** Records a failed send; the rows stay pending, so nothing is dropped. */
export async function markFailed(client: pg.ClientBase, ids: string[], error: string): Promise<void> {
  await client.query(
    `UPDATE sluice_outbox
        SET attempts = attempts + 1, last_error = $2, last_attempt_at = now()
      WHERE id = ANY($1::bigint[])`,
    [ids, error.slice(0, 2_000)],
  );
}
