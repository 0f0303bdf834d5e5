import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from '../../auth/rate-limit-headers.ts';
import { RatePolicies, bucketKey, resultFrom } from '../../auth/rate-limiter.ts';

describe('rate-limit results and headers', () => {
  const cases = [
    {
      name: 'api, allowed, 9 left: next token in 12 s',
      policy: RatePolicies.api,
      tokens: 9,
      allowed: true,
      expected: {
        'RateLimit-Policy': '"api";q=10;w=120',
        RateLimit: '"api";r=9;t=12',
        'RateLimit-Limit': '10',
        'RateLimit-Remaining': '9',
        'RateLimit-Reset': '12',
      },
    },
    {
      name: 'api, refused with a quarter token banked: retry in 9 s',
      policy: RatePolicies.api,
      tokens: 0.25,
      allowed: false,
      expected: {
        'RateLimit-Policy': '"api";q=10;w=120',
        RateLimit: '"api";r=0;t=9',
        'RateLimit-Limit': '10',
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': '9',
        'Retry-After': '9',
      },
    },
    {
      name: 'interactive, refused just before the next token: Retry-After is still ≥ 1',
      policy: RatePolicies.interactive,
      tokens: 0.9999,
      allowed: false,
      expected: {
        'RateLimit-Policy': '"interactive";q=30;w=60',
        RateLimit: '"interactive";r=0;t=1',
        'RateLimit-Limit': '30',
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': '1',
        'Retry-After': '1',
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(rateLimitHeaders(c.policy, resultFrom(c.policy, c.tokens, c.allowed))).toEqual(c.expected);
    });
  }

  it('leaves out the legacy fields when asked', () => {
    const headers = rateLimitHeaders(RatePolicies.api, resultFrom(RatePolicies.api, 3, true), {
      legacy: false,
    });
    expect(Object.keys(headers).sort()).toEqual(['RateLimit', 'RateLimit-Policy']);
  });

  it('gives a refusal a retry delay and an allowance none', () => {
    expect(resultFrom(RatePolicies.api, 0.5, false)).toEqual({
      allowed: false,
      limit: 10,
      remaining: 0,
      resetSeconds: 6,
      retryAfterSeconds: 6,
    });
    expect(resultFrom(RatePolicies.api, 4, true)).not.toHaveProperty('retryAfterSeconds');
  });

  it('keys buckets per user for interactive tokens and per workspace for API tokens', () => {
    const s = { workspaceId: 'acme', userId: 'ana' };
    expect(bucketKey(RatePolicies.interactive, s)).toBe('user:acme:ana');
    expect(bucketKey(RatePolicies.api, s)).toBe('ws:acme');
  });
});
