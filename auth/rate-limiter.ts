import type pg from 'pg';
import { SluiceError } from '../core/errors.ts';

/**
 * A token bucket: `capacity` is the burst, refilled at `refillTokens` per `refillSeconds`. Both seed
 * policies are this shape; only the scope of the bucket differs.
 */
export interface RatePolicy {
  /** Names the policy in the RateLimit headers (an sf-string: keep it to [a-z0-9_-]). */
  name: string;
  scope: 'user' | 'workspace';
  capacity: number;
  refillTokens: number;
  refillSeconds: number;
}

/** The seed's limits: "Interactive: 30 exports per minute per user. API: 300 per hour per workspace; bursts of 10." */
export const RatePolicies = {
  interactive: { name: 'interactive', scope: 'user', capacity: 30, refillTokens: 30, refillSeconds: 60 },
  api: { name: 'api', scope: 'workspace', capacity: 10, refillTokens: 300, refillSeconds: 3600 },
} as const satisfies Record<string, RatePolicy>;

export interface RatePolicySet {
  interactive: RatePolicy;
  api: RatePolicy;
}

/**
 * `<burst>,<tokens>/<seconds>` — e.g. the API default is `10,300/3600` — over `base`, for deployments
 * (and load benchmarks) that need other limits than the seed's.
 */
export function parseRatePolicy(base: RatePolicy, setting: string, what: string): RatePolicy {
  const match = /^\s*(\d+)\s*,\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(setting);
  const [capacity, refillTokens, refillSeconds] = match ? match.slice(1).map(Number) : [];
  if (!match || !(capacity! >= 1 && refillTokens! >= 1 && refillSeconds! >= 1)) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `${what} must look like <burst>,<tokens>/<seconds> with each at least 1 (e.g. 10,300/3600), got ${JSON.stringify(setting)}`,
    );
  }
  return { ...base, capacity: capacity!, refillTokens: refillTokens!, refillSeconds: refillSeconds! };
}

export interface RateSubject {
  workspaceId: string;
  userId: string;
}

export interface RateLimitResult {
  allowed: boolean;
  /** The burst: what a full bucket holds. */
  limit: number;
  /** Whole requests left right now, after this one. */
  remaining: number;
  /** Seconds until the next token lands (0 when the bucket is full). */
  resetSeconds: number;
  /** When refused: whole seconds, at least 1, until a retry can succeed. */
  retryAfterSeconds?: number;
}

export function bucketKey(policy: RatePolicy, subject: RateSubject): string {
  // JSON-free but unambiguous enough: ids are opaque, and the scope tag keeps the two namespaces apart.
  return policy.scope === 'user'
    ? `user:${subject.workspaceId}:${subject.userId}`
    : `ws:${subject.workspaceId}`;
}

/**
 * One statement per check, so concurrent checks from any number of API processes serialise on the
 * bucket's row lock and never both spend the last token. The refill is computed from the database's
 * now(), never a process clock, so processes with skewed clocks still agree.
 *
 * greatest(0, …) guards against a negative refill: now() is the transaction's start, and a statement that
 * waited on the row lock can start before the updated_at the winner wrote.
 */
const REFILLED = `least($2::double precision, b.tokens + $3::double precision *
  greatest(0, extract(epoch FROM now() - b.updated_at)::double precision))`;
// Every right-hand side of SET sees the row as it was, so REFILLED is the same value in each.
const CHECK = `
  INSERT INTO sluice_rate_buckets AS b (bucket_key, tokens, last_allowed, updated_at)
  VALUES ($1, $2::double precision - 1, true, now())
  ON CONFLICT (bucket_key) DO UPDATE SET
    tokens = CASE WHEN ${REFILLED} >= 1 THEN ${REFILLED} - 1 ELSE ${REFILLED} END,
    last_allowed = ${REFILLED} >= 1,
    updated_at = greatest(b.updated_at, now())
  RETURNING tokens, last_allowed`;

export class RateLimiter {
  constructor(private readonly pool: pg.Pool) {}

  async check(policy: RatePolicy, subject: RateSubject): Promise<RateLimitResult> {
    if (!(policy.capacity >= 1 && policy.refillTokens > 0 && policy.refillSeconds > 0)) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `rate policy ${policy.name}: capacity ≥ 1 and a positive refill`,
      );
    }
    const rate = policy.refillTokens / policy.refillSeconds;
    const { rows } = await this.pool.query(CHECK, [bucketKey(policy, subject), policy.capacity, rate]);
    const row = rows[0];
    return resultFrom(policy, Number(row.tokens), Boolean(row.last_allowed));
  }
}

/** Pure: what a bucket holding `tokens` after this check means for the caller. */
export function resultFrom(policy: RatePolicy, tokens: number, allowed: boolean): RateLimitResult {
  const rate = policy.refillTokens / policy.refillSeconds;
  const remaining = Math.max(0, Math.floor(tokens + 1e-9));
  // Time until the fractional part fills to the next whole token.
  const missing = tokens >= policy.capacity ? 0 : remaining + 1 - tokens;
  const resetSeconds = missing <= 1e-9 ? 0 : Math.ceil(missing / rate - 1e-9);
  return {
    allowed,
    limit: policy.capacity,
    remaining,
    resetSeconds,
    ...(allowed ? {} : { retryAfterSeconds: Math.max(1, resetSeconds) }),
  };
}

/** For callers that answer 429: the decision as an error carrying the retry delay. */
export function assertAllowed(result: RateLimitResult): void {
  if (result.allowed) return;
  throw new SluiceError('RATE_LIMITED', `rate limit exceeded; retry in ${result.retryAfterSeconds} s`, {
    retriable: true,
    details: { limit: result.limit, retryAfterSeconds: result.retryAfterSeconds },
  });
}
