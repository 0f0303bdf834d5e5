import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { rateLimitHeaders } from '../../auth/rate-limit-headers.ts';
import { RateLimiter, RatePolicies, assertAllowed, bucketKey } from '../../auth/rate-limiter.ts';

// The seed's limits, held in PostgreSQL so that several API processes share one bucket per subject.
describe('rate limiter', () => {
  let pool: pg.Pool;
  let limiter: RateLimiter;
  // One prefix per run, so afterAll removes exactly this run's buckets.
  const run = `t-${randomUUID().slice(0, 8)}`;
  const subject = () => ({ workspaceId: `${run}-${randomUUID()}`, userId: `u-${randomUUID().slice(0, 8)}` });

  // Move a bucket's clock back instead of sleeping: the refill is computed from now() - updated_at.
  const age = (key: string, seconds: number) =>
    pool.query(
      `UPDATE sluice_rate_buckets SET updated_at = updated_at - make_interval(secs => $2) WHERE bucket_key = $1`,
      [key, seconds],
    );

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 10 });
    await migrateAuthStore(pool);
    limiter = new RateLimiter(pool);
  });

  afterAll(async () => {
    await pool?.query(`DELETE FROM sluice_rate_buckets WHERE bucket_key LIKE $1`, [`%:${run}-%`]);
    await pool?.end();
  });

  it('API tokens: a burst of 10, the 11th refused with Retry-After ≈ 12 s', async () => {
    const s = subject();
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await limiter.check(RatePolicies.api, s));
    expect(results.slice(0, 10).every((r) => r.allowed)).toBe(true);
    expect(results.slice(0, 10).map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const refused = results[10]!;
    expect(refused).toMatchObject({ allowed: false, limit: 10, remaining: 0 });
    // One token per 12 s; a little of it has already refilled while the burst ran.
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(11);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(12);
    const headers = rateLimitHeaders(RatePolicies.api, refused);
    expect(headers['Retry-After']).toBe(String(refused.retryAfterSeconds));
    expect(headers['RateLimit-Policy']).toBe('"api";q=10;w=120');
    expect(headers.RateLimit).toBe(`"api";r=0;t=${refused.resetSeconds}`);
    expect(() => assertAllowed(refused)).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', retriable: true }),
    );
  });

  it('API tokens: the bucket is per workspace, shared by its users', async () => {
    const s = subject();
    for (let i = 0; i < 10; i++) await limiter.check(RatePolicies.api, { ...s, userId: `user-${i}` });
    expect((await limiter.check(RatePolicies.api, { ...s, userId: 'someone-else' })).allowed).toBe(false);
    expect((await limiter.check(RatePolicies.api, subject())).allowed).toBe(true);
  });

  it('holds across two API processes (two pools) checking concurrently: exactly 10 of 40', async () => {
    const s = subject();
    const other = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 10 });
    try {
      const limiters = [limiter, new RateLimiter(other)];
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => limiters[i % 2]!.check(RatePolicies.api, s)),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      expect(results.filter((r) => !r.allowed).every((r) => r.retryAfterSeconds! >= 1)).toBe(true);
    } finally {
      await other.end();
    }
  });

  it('interactive tokens: 30 per user, then refused; another user of the workspace is unaffected', async () => {
    const s = subject();
    const results = [];
    for (let i = 0; i < 31; i++) results.push(await limiter.check(RatePolicies.interactive, s));
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    expect(results[30]).toMatchObject({ allowed: false, limit: 30, remaining: 0 });
    // One token per 2 s.
    expect(results[30]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(results[30]!.retryAfterSeconds).toBeLessThanOrEqual(2);
    expect((await limiter.check(RatePolicies.interactive, { ...s, userId: 'colleague' })).allowed).toBe(true);
  });

  it('refills with time: one token per 12 s, never beyond the burst', async () => {
    const s = subject();
    const key = bucketKey(RatePolicies.api, s);
    for (let i = 0; i < 11; i++) await limiter.check(RatePolicies.api, s);
    await age(key, 12);
    const one = await limiter.check(RatePolicies.api, s);
    expect(one).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.check(RatePolicies.api, s)).allowed).toBe(false);
    await age(key, 36);
    const three = [];
    for (let i = 0; i < 4; i++) three.push((await limiter.check(RatePolicies.api, s)).allowed);
    expect(three).toEqual([true, true, true, false]);
    // A day idle refills to the burst, not to 7,200 tokens.
    await age(key, 86_400);
    const burst = [];
    for (let i = 0; i < 11; i++) burst.push((await limiter.check(RatePolicies.api, s)).allowed);
    expect(burst.filter(Boolean)).toHaveLength(10);
  });

  it('sustains 300 per hour: an hour of aging yields the burst again, not more', async () => {
    const s = subject();
    const key = bucketKey(RatePolicies.api, s);
    let allowed = 0;
    // Simulate an hour in 12-second steps: 10 up front, then one per step.
    for (let step = 0; step < 300; step++) {
      while ((await limiter.check(RatePolicies.api, s)).allowed) allowed++;
      await age(key, 12);
    }
    expect(allowed).toBeGreaterThanOrEqual(300);
    expect(allowed).toBeLessThanOrEqual(310);
  });
});
