import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../producers/outbox/backoff.ts';

describe('outbox relay backoff', () => {
  const opts = { initialMs: 100, maxMs: 5_000 };
  const cases = [
    { failures: 1, mid: 100 },
    { failures: 2, mid: 200 },
    { failures: 4, mid: 800 },
    { failures: 7, mid: 5_000 }, // 6400 capped
    { failures: 1_000, mid: 5_000 }, // no overflow to Infinity/NaN
  ];
  for (const c of cases) {
    it(`after ${c.failures} failure(s) waits about ${c.mid} ms, never above the cap`, () => {
      expect(backoffDelay(c.failures, opts, () => 0.5)).toBe(c.mid);
      expect(backoffDelay(c.failures, opts, () => 0)).toBe(Math.round(c.mid * 0.8));
      expect(backoffDelay(c.failures, opts, () => 0.999)).toBeLessThanOrEqual(opts.maxMs);
    });
  }
});
