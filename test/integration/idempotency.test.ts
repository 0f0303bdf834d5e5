import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  IdempotencyStore,
  idempotencyError,
  requestFingerprint,
  type StoredResponse,
} from '../../jobs/idempotency.ts';
import { migrateIdempotencyStore } from '../../jobs/idempotency-migrations.ts';

// Idempotency-Key semantics on the real database: replay, mismatch, races, expiry and crashed owners.
describe('idempotency keys', () => {
  let pool: pg.Pool;
  let store: IdempotencyStore;
  // One prefix per run, so afterAll removes exactly this run's rows.
  const run = `t-${randomUUID().slice(0, 8)}`;
  const ws = () => `${run}-${randomUUID()}`;
  const fp = (body: unknown) => requestFingerprint({ method: 'POST', path: '/v1/exports', body });
  const accepted: StoredResponse = {
    status: 202,
    body: { job_id: 'exp_123' },
    headers: { location: '/v1/jobs/exp_123' },
  };

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 8 });
    await Promise.all([migrateIdempotencyStore(pool), migrateIdempotencyStore(pool)]);
    store = new IdempotencyStore(pool);
  });

  afterAll(async () => {
    await pool?.query(`DELETE FROM sluice_idempotency_keys WHERE workspace_id LIKE $1`, [`${run}-%`]);
    await pool?.end();
  });

  it('runs a new key once, then replays the same response for the same body', async () => {
    const ref = { workspaceId: ws(), userId: 'ana', key: randomUUID() };
    const fingerprint = fp({ format: 'csv', source: 'wh' });
    const first = await store.begin({ ...ref, fingerprint });
    expect(first.kind).toBe('new');
    expect(
      await store.complete({ ...ref, response: accepted, lockId: (first as { lockId: string }).lockId }),
    ).toBe(true);
    // Key order in the body does not change the fingerprint.
    const again = await store.begin({ ...ref, fingerprint: fp({ source: 'wh', format: 'csv' }) });
    expect(again).toEqual({ kind: 'replay', response: accepted });
    expect(await store.begin({ ...ref, fingerprint })).toEqual({ kind: 'replay', response: accepted });
  });

  it('refuses the same key with a different body, in flight or completed', async () => {
    const ref = { workspaceId: ws(), userId: 'ana', key: randomUUID() };
    await store.begin({ ...ref, fingerprint: fp({ format: 'csv' }) });
    const inFlight = await store.begin({ ...ref, fingerprint: fp({ format: 'parquet' }) });
    expect(inFlight).toEqual({ kind: 'mismatch' });
    expect(idempotencyError(inFlight)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', retriable: false });
    await store.complete({ ...ref, response: accepted });
    expect(await store.begin({ ...ref, fingerprint: fp({ format: 'parquet' }) })).toEqual({
      kind: 'mismatch',
    });
    // Same path and body but another method is another request too.
    const del = requestFingerprint({ method: 'DELETE', path: '/v1/exports', body: { format: 'csv' } });
    expect(await store.begin({ ...ref, fingerprint: del })).toEqual({ kind: 'mismatch' });
  });

  it('lets exactly one of two concurrent first requests run, across connections', async () => {
    for (let round = 0; round < 5; round++) {
      const ref = { workspaceId: ws(), userId: 'ana', key: randomUUID() };
      const fingerprint = fp({ round });
      const other = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 2 });
      try {
        const results = await Promise.all([
          store.begin({ ...ref, fingerprint }),
          new IdempotencyStore(other).begin({ ...ref, fingerprint }),
        ]);
        expect(results.map((r) => r.kind).sort()).toEqual(['conflict_in_flight', 'new']);
        const loser = results.find((r) => r.kind === 'conflict_in_flight')!;
        expect(idempotencyError(loser)).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_FLIGHT', retriable: true });
      } finally {
        await other.end();
      }
    }
  });

  it('abandons a failed attempt so a retry runs again', async () => {
    const ref = { workspaceId: ws(), userId: 'ana', key: randomUUID() };
    const fingerprint = fp({ n: 1 });
    const first = await store.begin({ ...ref, fingerprint });
    expect(await store.abandon({ ...ref, lockId: (first as { lockId: string }).lockId })).toBe(true);
    expect((await store.begin({ ...ref, fingerprint })).kind).toBe('new');
    // A completed key is never abandoned: its response stays the answer.
    await store.complete({ ...ref, response: accepted });
    expect(await store.abandon(ref)).toBe(false);
    expect((await store.begin({ ...ref, fingerprint })).kind).toBe('replay');
  });

  it('takes over an in-flight key whose owner crashed, and fences the old owner off', async () => {
    const crashing = new IdempotencyStore(pool, { lockTimeoutSeconds: 60 });
    const ref = { workspaceId: ws(), userId: 'ana', key: randomUUID() };
    const fingerprint = fp({ n: 2 });
    const dead = await crashing.begin({ ...ref, fingerprint });
    expect((await crashing.begin({ ...ref, fingerprint })).kind).toBe('conflict_in_flight');
    // Age the lock past the timeout instead of waiting a minute.
    await pool.query(
      `UPDATE sluice_idempotency_keys SET locked_at = locked_at - interval '61 seconds'
        WHERE workspace_id = $1 AND key = $2`,
      [ref.workspaceId, ref.key],
    );
    const taken = await crashing.begin({ ...ref, fingerprint });
    expect(taken.kind).toBe('new');
    // The presumed-dead owner wakes up: its late answer must not overwrite the new owner's.
    const deadLock = (dead as { lockId: string }).lockId;
    expect(
      await crashing.complete({ ...ref, response: { ...accepted, status: 500 }, lockId: deadLock }),
    ).toBe(false);
    expect(await crashing.abandon({ ...ref, lockId: deadLock })).toBe(false);
    expect(
      await crashing.complete({ ...ref, response: accepted, lockId: (taken as { lockId: string }).lockId }),
    ).toBe(true);
    expect(await crashing.begin({ ...ref, fingerprint })).toEqual({ kind: 'replay', response: accepted });
    // A different body is still a mismatch even when the lock is stale: the key stays bound to its request.
    const other = { workspaceId: ref.workspaceId, userId: 'ana', key: randomUUID() };
    await crashing.begin({ ...other, fingerprint });
    await pool.query(
      `UPDATE sluice_idempotency_keys SET locked_at = locked_at - interval '61 seconds'
        WHERE workspace_id = $1 AND key = $2`,
      [other.workspaceId, other.key],
    );
    expect(await crashing.begin({ ...other, fingerprint: fp({ n: 3 }) })).toEqual({ kind: 'mismatch' });
  });

  it('keeps keys ≥ 24 h, purges expired ones, and treats an expired key as free', async () => {
    const ref = { workspaceId: ws(), userId: 'ana', key: randomUUID() };
    const kept = { workspaceId: ref.workspaceId, userId: 'ana', key: randomUUID() };
    for (const r of [ref, kept]) {
      await store.begin({ ...r, fingerprint: fp({ a: 1 }) });
      await store.complete({ ...r, response: accepted });
    }
    const { rows } = await pool.query(
      `SELECT expires_at - created_at >= interval '24 hours' AS long_enough
         FROM sluice_idempotency_keys WHERE workspace_id = $1`,
      [ref.workspaceId],
    );
    expect(rows.map((r) => r.long_enough)).toEqual([true, true]);
    await pool.query(
      `UPDATE sluice_idempotency_keys SET expires_at = now() - interval '1 second'
        WHERE workspace_id = $1 AND key = $2`,
      [ref.workspaceId, ref.key],
    );
    // Expired but not yet purged: a new body under the old key is a new request, not a mismatch.
    expect((await store.begin({ ...ref, fingerprint: fp({ a: 2 }) })).kind).toBe('new');
    await pool.query(
      `UPDATE sluice_idempotency_keys SET expires_at = now() - interval '1 second'
        WHERE workspace_id = $1 AND key = $2`,
      [ref.workspaceId, ref.key],
    );
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
    const left = await pool.query(`SELECT key FROM sluice_idempotency_keys WHERE workspace_id = $1`, [
      ref.workspaceId,
    ]);
    expect(left.rows.map((r) => r.key)).toEqual([kept.key]);
  });

  it('scopes keys per person: another workspace, or a colleague in the same one, has keys of its own', async () => {
    const key = randomUUID();
    const a = { workspaceId: ws(), userId: 'ana', key };
    const b = { workspaceId: ws(), userId: 'ana', key };
    const colleague = { ...a, userId: 'bob' };
    expect((await store.begin({ ...colleague, fingerprint: fp({ w: 'a' }) })).kind).toBe('new');
    await store.complete({ ...colleague, response: accepted });
    expect((await store.begin({ ...a, fingerprint: fp({ w: 'a' }) })).kind).toBe('new');
    expect((await store.begin({ ...b, fingerprint: fp({ w: 'b' }) })).kind).toBe('new');
    await store.complete({ ...a, response: accepted });
    expect((await store.begin({ ...b, fingerprint: fp({ w: 'b' }) })).kind).toBe('conflict_in_flight');
    expect((await store.begin({ ...a, fingerprint: fp({ w: 'a' }) })).kind).toBe('replay');
  });

  it('validates keys and its own configuration', async () => {
    const workspaceId = ws();
    for (const key of ['', 'x'.repeat(256), 'naïve', 'tab\there', 'line\nbreak']) {
      await expect(
        store.begin({ workspaceId, userId: 'ana', key, fingerprint: fp({}) }),
      ).rejects.toMatchObject({
        code: 'REQUEST_INVALID',
        details: { field: 'Idempotency-Key' },
      });
    }
    expect(
      (await store.begin({ workspaceId, userId: 'ana', key: 'x'.repeat(255), fingerprint: fp({}) })).kind,
    ).toBe('new');
    expect(() => new IdempotencyStore(pool, { ttlSeconds: 3600 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => new IdempotencyStore(pool, { lockTimeoutSeconds: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
