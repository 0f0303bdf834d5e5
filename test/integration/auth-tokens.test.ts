import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { hashToken } from '../../auth/token-format.ts';
import { TokenStore } from '../../auth/tokens.ts';

// Tokens are stored hashed, belong to one workspace and user, and stop working when revoked or expired.
describe('workspace tokens', () => {
  let pool: pg.Pool;
  let store: TokenStore;
  // One prefix per run, so afterAll removes exactly this run's rows.
  const run = `t-${randomUUID().slice(0, 8)}`;
  const ws = () => `${run}-${randomUUID()}`;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL });
    // Twice, concurrently: the advisory lock makes start-up races harmless.
    await Promise.all([migrateAuthStore(pool), migrateAuthStore(pool)]);
    store = new TokenStore(pool);
  });

  afterAll(async () => {
    await pool?.query(`DELETE FROM sluice_tokens WHERE workspace_id LIKE $1`, [`${run}-%`]);
    await pool?.end();
  });

  it('authenticates a new token as its workspace, user and kind', async () => {
    const workspaceId = ws();
    const { token, id } = await store.create({ workspaceId, userId: 'ana', kind: 'api' });
    expect(token).toMatch(/^slc_[0-9A-Za-z]{43}$/);
    expect(id).toMatch(/^tok_[0-9A-Za-z]{16}$/);
    expect(await store.authenticate(token)).toEqual({
      tokenId: id,
      workspaceId,
      userId: 'ana',
      kind: 'api',
      role: 'member',
    });
    await expect(store.require(token)).resolves.toMatchObject({ workspaceId });
    const admin = await store.create({ workspaceId, userId: 'root', kind: 'api', role: 'admin' });
    expect(await store.authenticate(admin.token)).toMatchObject({ userId: 'root', role: 'admin' });
    await expect(
      store.create({ workspaceId, userId: 'x', kind: 'api', role: 'owner' as 'admin' }),
    ).rejects.toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'role' } });
  });

  it('stores only the hash and a display prefix, never the secret', async () => {
    const workspaceId = ws();
    const { token, id } = await store.create({ workspaceId, userId: 'ana', kind: 'interactive' });
    const { rows } = await pool.query(`SELECT * FROM sluice_tokens WHERE id = $1`, [id]);
    expect(rows[0].token_hash).toEqual(hashToken(token));
    expect(JSON.stringify(rows[0])).not.toContain(token.slice(12));
    expect(token.startsWith(rows[0].token_prefix)).toBe(true);
  });

  it('refuses unknown, malformed and tampered tokens', async () => {
    const { token } = await store.create({ workspaceId: ws(), userId: 'ana', kind: 'api' });
    const tampered = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    for (const bad of [tampered, 'slc_short', '', `Bearer ${token}`, token + 'x'])
      expect(await store.authenticate(bad)).toBeUndefined();
    await expect(store.require(tampered)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(store.require(undefined)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('stops authenticating a revoked token at once; revoking twice reports no change', async () => {
    const { token, id } = await store.create({ workspaceId: ws(), userId: 'ana', kind: 'api' });
    expect(await store.revoke(id)).toBe(true);
    expect(await store.authenticate(token)).toBeUndefined();
    expect(await store.revoke(id)).toBe(false);
    expect(await store.revoke('tok_doesnotexist')).toBe(false);
  });

  it('expires by the database clock, both absolute and relative expiries', async () => {
    const workspaceId = ws();
    const past = await store.create({
      workspaceId,
      userId: 'a',
      kind: 'api',
      expiresAt: new Date(Date.now() - 1000),
    });
    const future = await store.create({ workspaceId, userId: 'a', kind: 'api', expiresInSeconds: 3600 });
    expect(await store.authenticate(past.token)).toBeUndefined();
    expect(await store.authenticate(future.token)).toBeDefined();
    // Age it past its expiry rather than wait an hour.
    await pool.query(`UPDATE sluice_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      future.id,
    ]);
    expect(await store.authenticate(future.token)).toBeUndefined();
  });

  it("lists one workspace's tokens with their state, never another's", async () => {
    const a = ws();
    const b = ws();
    const t1 = await store.create({ workspaceId: a, userId: 'ana', kind: 'api' });
    const t2 = await store.create({
      workspaceId: a,
      userId: 'bo',
      kind: 'interactive',
      expiresInSeconds: 60,
    });
    await store.create({ workspaceId: b, userId: 'cy', kind: 'api' });
    await store.revoke(t1.id);
    const listed = await store.list(a);
    expect(listed.map((t) => t.tokenId).sort()).toEqual([t1.id, t2.id].sort());
    const byId = new Map(listed.map((t) => [t.tokenId, t]));
    expect(byId.get(t1.id)).toMatchObject({ userId: 'ana', kind: 'api', expiresAt: null });
    expect(byId.get(t1.id)!.revokedAt).toBeInstanceOf(Date);
    expect(byId.get(t2.id)).toMatchObject({ userId: 'bo', kind: 'interactive', revokedAt: null });
    expect(byId.get(t2.id)!.expiresAt).toBeInstanceOf(Date);
    expect(JSON.stringify(listed)).not.toContain(t2.token);
  });

  it('rejects invalid input with the field named', async () => {
    const cases = [
      { input: { workspaceId: '', userId: 'a', kind: 'api' }, field: 'workspaceId' },
      { input: { workspaceId: 'w', userId: '', kind: 'api' }, field: 'userId' },
      { input: { workspaceId: 'w', userId: 'a', kind: 'admin' }, field: 'kind' },
      {
        input: { workspaceId: 'w', userId: 'a', kind: 'api', expiresInSeconds: 0 },
        field: 'expiresInSeconds',
      },
    ];
    for (const c of cases) {
      // @ts-expect-error: deliberately wrong kinds reach the runtime check
      await expect(store.create(c.input)).rejects.toMatchObject({
        code: 'REQUEST_INVALID',
        details: { field: c.field },
      });
    }
  });
});
