import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../core/pg-transaction.ts';
import { SluiceError } from '../core/errors.ts';
import { requestHash } from './job-id.ts';

/** The response a completed request gave, replayed verbatim to every retry with the same key. */
export interface StoredResponse {
  status: number;
  body: unknown;
  /** Only the headers a replay must repeat (Location, Content-Type…); never Set-Cookie or Date. */
  headers: Record<string, string>;
}

export type BeginResult =
  /** First sight of this key (or a takeover of a crashed owner's): run the request, then complete or abandon. */
  | { kind: 'new'; lockId: string }
  /** Already answered: send this response again, do nothing else. */
  | { kind: 'replay'; response: StoredResponse }
  /** The first request with this key is still running: 409, the client retries later. */
  | { kind: 'conflict_in_flight' }
  /** The key was used for a different request: 422, a client bug that retrying cannot fix. */
  | { kind: 'mismatch' };

export interface IdempotencyOptions {
  /** How long a key is remembered; the API promises at least 24 hours. */
  ttlSeconds?: number;
  /** An in-flight key older than this is taken to belong to a crashed request and may be taken over. */
  lockTimeoutSeconds?: number;
}

export interface KeyRef {
  workspaceId: string;
  /** Keys are the person's own: the same key from a colleague is a different key. */
  userId: string;
  key: string;
}

const DAY = 86_400;
// IETF httpapi Idempotency-Key draft: the key is a Structured Field string, i.e. printable ASCII.
const KEY_SHAPE = /^[\x20-\x7e]{1,255}$/;

/** The request's identity: method, path (with its query) and canonical body, so key order does not matter. */
export function requestFingerprint(req: { method: string; path: string; body: unknown }): string {
  return requestHash({ method: req.method.toUpperCase(), path: req.path, body: req.body ?? null });
}

export function isValidIdempotencyKey(key: string): boolean {
  return KEY_SHAPE.test(key);
}

/**
 * Idempotency-Key records, scoped per person (workspace and user), following the IETF httpapi draft and Stripe's practice:
 * the first request with a key runs, later ones with the same body get its response replayed, a different
 * body is refused, and a retry that races the first request is told to wait.
 */
export class IdempotencyStore {
  private readonly ttlSeconds: number;
  private readonly lockTimeoutSeconds: number;

  constructor(
    private readonly pool: pg.Pool,
    { ttlSeconds = DAY, lockTimeoutSeconds = 60 }: IdempotencyOptions = {},
  ) {
    if (!(ttlSeconds >= DAY))
      throw new SluiceError('CONFIG_INVALID', `idempotency ttlSeconds must be ≥ ${DAY}, got ${ttlSeconds}`);
    if (!(lockTimeoutSeconds > 0))
      throw new SluiceError('CONFIG_INVALID', `idempotency lockTimeoutSeconds must be > 0`);
    this.ttlSeconds = ttlSeconds;
    this.lockTimeoutSeconds = lockTimeoutSeconds;
  }

  async begin(input: KeyRef & { fingerprint: string }): Promise<BeginResult> {
    assertKey(input.key);
    // A row can vanish between our INSERT and SELECT (abandoned or purged meanwhile); then just go again.
    for (let attempt = 0; ; attempt++) {
      const result = await this.tryBegin(input);
      if (result || attempt >= 3) {
        if (!result)
          throw new SluiceError('INFRA_UNAVAILABLE', 'idempotency key kept vanishing', { retriable: true });
        return result;
      }
    }
  }

  private async tryBegin({
    workspaceId,
    userId,
    key,
    fingerprint,
  }: KeyRef & { fingerprint: string }): Promise<BeginResult | undefined> {
    const lockId = randomUUID();
    return withTransaction(this.pool, async (client) => {
      // A concurrent first request holds its uncommitted row; ON CONFLICT waits for it, then does nothing.
      const inserted = await client.query(
        `INSERT INTO sluice_idempotency_keys
           (workspace_id, key, fingerprint, state, lock_id, locked_at, expires_at, user_id)
         VALUES ($1, $2, $3, 'in_flight', $4, now(), now() + make_interval(secs => $5::double precision), $6)
         ON CONFLICT DO NOTHING`,
        [workspaceId, key, fingerprint, lockId, this.ttlSeconds, userId],
      );
      let result: BeginResult | undefined;
      if (inserted.rowCount === 1) {
        result = { kind: 'new', lockId };
      } else {
        const { rows } = await client.query(
          `SELECT fingerprint, state, response,
                  expires_at <= now() AS expired,
                  locked_at < now() - make_interval(secs => $3::double precision) AS stale
             FROM sluice_idempotency_keys WHERE workspace_id = $1 AND key = $2 AND user_id = $4 FOR UPDATE`,
          [workspaceId, key, this.lockTimeoutSeconds, userId],
        );
        const row = rows[0];
        if (!row) {
          result = undefined;
        } else if (row.expired) {
          // Expired but not yet purged: the key is free again, for any body.
          await client.query(
            `UPDATE sluice_idempotency_keys
                SET fingerprint = $3, state = 'in_flight', lock_id = $4, locked_at = now(), response = NULL,
                    created_at = now(), expires_at = now() + make_interval(secs => $5::double precision)
              WHERE workspace_id = $1 AND key = $2 AND user_id = $6`,
            [workspaceId, key, fingerprint, lockId, this.ttlSeconds, userId],
          );
          result = { kind: 'new', lockId };
        } else if (row.fingerprint !== fingerprint) {
          result = { kind: 'mismatch' };
        } else if (row.state === 'completed') {
          result = { kind: 'replay', response: row.response as StoredResponse };
        } else if (!row.stale) {
          result = { kind: 'conflict_in_flight' };
        } else {
          // The owner has not finished within the lock timeout: presumed crashed. A new lock id fences it
          // off, so if it was merely slow its late complete/abandon no longer applies.
          await client.query(
            `UPDATE sluice_idempotency_keys SET lock_id = $3, locked_at = now()
              WHERE workspace_id = $1 AND key = $2 AND user_id = $4`,
            [workspaceId, key, lockId, userId],
          );
          result = { kind: 'new', lockId };
        }
      }
      return result;
    });
  }

  /**
   * Record the response for replay. With `lockId` (from `begin`), only the current owner may complete;
   * false means the key was no longer ours (taken over, or abandoned) and nothing was stored. The key is
   * then kept for a full TTL from now, so a replay is available at least that long after the answer.
   */
  async complete(input: KeyRef & { response: StoredResponse; lockId?: string }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE sluice_idempotency_keys
          SET state = 'completed', response = $3, lock_id = NULL, locked_at = NULL,
              expires_at = greatest(expires_at, now() + make_interval(secs => $5::double precision))
        WHERE workspace_id = $1 AND key = $2 AND state = 'in_flight' AND ($4::text IS NULL OR lock_id = $4)
          AND user_id = $6`,
      [
        input.workspaceId,
        input.key,
        JSON.stringify(input.response),
        input.lockId ?? null,
        this.ttlSeconds,
        input.userId,
      ],
    );
    return rowCount === 1;
  }

  /**
   * Forget an in-flight key whose outcome must not be cached (a 5xx, a lost connection to a dependency),
   * so a retry with the same key runs the request again.
   */
  async abandon(input: KeyRef & { lockId?: string }): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM sluice_idempotency_keys
        WHERE workspace_id = $1 AND key = $2 AND state = 'in_flight' AND ($3::text IS NULL OR lock_id = $3)
          AND user_id = $4`,
      [input.workspaceId, input.key, input.lockId ?? null, input.userId],
    );
    return rowCount === 1;
  }

  /** Delete expired keys; returns how many. Run periodically from any one process (or all: it is safe). */
  async purgeExpired(): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM sluice_idempotency_keys WHERE expires_at <= now()`,
    );
    return rowCount ?? 0;
  }
}

/** The two refusals as errors: 422 for a reused key, 409 (retriable) while the first is still running. */
export function idempotencyError(result: BeginResult): SluiceError | undefined {
  if (result.kind === 'mismatch')
    return new SluiceError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
  if (result.kind === 'conflict_in_flight')
    return new SluiceError(
      'IDEMPOTENCY_KEY_IN_FLIGHT',
      'a request with this Idempotency-Key is in progress',
      {
        retriable: true,
      },
    );
  return undefined;
}

function assertKey(key: string): void {
  if (!isValidIdempotencyKey(key)) {
    throw new SluiceError('REQUEST_INVALID', 'Idempotency-Key must be 1–255 printable ASCII characters', {
      details: { field: 'Idempotency-Key', rule: '1–255 printable ASCII characters' },
    });
  }
}
