import type { RateLimitResult, RatePolicy } from './rate-limiter.ts';

export interface RateLimitHeaderOptions {
  /**
   * Also send `RateLimit-Limit`/`-Remaining`/`-Reset` (draft-ietf-httpapi-ratelimit-headers ≤ 06), which
   * most deployed clients and proxies still read. Their names differ from the current fields, so the two
   * forms never collide.
   */
  legacy?: boolean;
}

/**
 * Response headers for one rate-limit decision, in the structure of draft-ietf-httpapi-ratelimit-headers
 * (-08 onwards): `RateLimit-Policy` lists the quota (`q`) and window in seconds (`w`) under a policy name,
 * and `RateLimit` gives the remaining units (`r`) and seconds until they reset (`t`), both as Structured
 * Field lists keyed by that name. For a token bucket the honest window is the time to refill a whole
 * burst (capacity / rate), and `t` is the time to the next token: the earliest moment a refused client
 * can succeed, which is what it acts on. A refusal adds `Retry-After` (RFC 9110: whole seconds, ≥ 1).
 */
export function rateLimitHeaders(
  policy: RatePolicy,
  result: RateLimitResult,
  { legacy = true }: RateLimitHeaderOptions = {},
): Record<string, string> {
  const windowSeconds = Math.ceil((policy.capacity * policy.refillSeconds) / policy.refillTokens);
  const name = JSON.stringify(policy.name); // sf-string: the names are plain ASCII, quoted
  const headers: Record<string, string> = {
    'RateLimit-Policy': `${name};q=${policy.capacity};w=${windowSeconds}`,
    RateLimit: `${name};r=${result.remaining};t=${result.resetSeconds}`,
  };
  if (legacy) {
    headers['RateLimit-Limit'] = String(result.limit);
    headers['RateLimit-Remaining'] = String(result.remaining);
    headers['RateLimit-Reset'] = String(result.resetSeconds);
  }
  if (!result.allowed) headers['Retry-After'] = String(Math.max(1, result.retryAfterSeconds ?? 1));
  return headers;
}
