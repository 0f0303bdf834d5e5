import { describe, expect, it } from 'vitest';
import {
  displayPrefix,
  generateToken,
  generateTokenId,
  hashToken,
  isWellFormedToken,
  randomBase62,
} from '../../auth/token-format.ts';

describe('token format', () => {
  it('is slc_ plus 43 base62 characters (≈256 bits), different every time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateToken));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) {
      expect(t).toMatch(/^slc_[0-9A-Za-z]{43}$/);
      expect(isWellFormedToken(t)).toBe(true);
    }
    expect(generateTokenId()).toMatch(/^tok_[0-9A-Za-z]{16}$/);
  });

  it('rejects anything else before it reaches the database', () => {
    const t = generateToken();
    for (const bad of [
      '',
      'slc_',
      t + 'A',
      t.slice(0, -1),
      t.replace('slc_', 'sk_'),
      t.slice(0, -1) + '-',
      ` ${t}`,
    ])
      expect(isWellFormedToken(bad)).toBe(false);
  });

  it('draws every base62 character about equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62 * 2000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 2000 each; a modulo-biased draw would give the first 8 characters ~25% more.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(1700);
      expect(n).toBeLessThan(2300);
    }
  });

  it('hashes to sha256 and shows only a short prefix', () => {
    const t = generateToken();
    expect(hashToken(t)).toHaveLength(32);
    expect(hashToken(t)).toEqual(hashToken(t));
    expect(displayPrefix(t)).toBe(t.slice(0, 12));
  });
});
