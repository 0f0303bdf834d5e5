import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';

// The comparator must go through crypto.timingSafeEqual, always with two equal-length digests.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const { generateToken, hashToken, tokenMatchesHash } = await import('../../auth/token-format.ts');

describe('tokenMatchesHash (timing-safe)', () => {
  it('compares fixed-length digests with timingSafeEqual, whatever length the caller sent', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    const token = generateToken();
    const stored = hashToken(token);
    expect(tokenMatchesHash(token, stored)).toBe(true);
    expect(tokenMatchesHash(`${token}x`, stored)).toBe(false);
    expect(tokenMatchesHash('', stored)).toBe(false);
    expect(tokenMatchesHash('x'.repeat(100_000), stored)).toBe(false);
    expect(tokenMatchesHash(token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a'), stored)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(5);
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });

  it('refuses a stored hash of another length without comparing (and without throwing)', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(tokenMatchesHash(generateToken(), Buffer.alloc(16))).toBe(false);
    expect(spy).not.toHaveBeenCalled();
  });
});
