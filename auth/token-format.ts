import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_CHARS = 43; // 43 × log2(62) ≈ 256 bits of randomness
const TOKEN_PREFIX = 'slc_';
const DISPLAY_CHARS = 8;
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${SECRET_CHARS}}$`);

/**
 * `count` base62 characters of crypto randomness. Bytes ≥ 248 are redrawn: 256 is not a multiple of 62,
 * and `byte % 62` over all bytes would make the first eight characters of the alphabet more likely.
 */
export function randomBase62(count: number): string {
  let out = '';
  while (out.length < count) {
    for (const byte of randomBytes(count - out.length + 8)) {
      if (byte >= 248) continue;
      out += BASE62[byte % 62];
      if (out.length === count) break;
    }
  }
  return out;
}

/** A new secret: `slc_` + 43 base62 characters. The prefix lets secret scanners and people recognise it. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBase62(SECRET_CHARS);
}

/** Cheap shape check, so garbage in an Authorization header never reaches the database. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** What is stored: the token has 256 bits of entropy, so a plain sha256 (no salt, no KDF) is enough. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The first few characters, kept in clear so `tokens list` can show which token is which. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + DISPLAY_CHARS);
}

/** Public, non-secret token id used to list and revoke. */
export function generateTokenId(): string {
  return `tok_${randomBase62(16)}`;
}

/**
 * Whether a stored token hash is the digest of `token`, in constant time: both sides are 32-byte sha256
 * digests, so timingSafeEqual always compares equal lengths and never throws, whatever the caller sent.
 */
export function tokenMatchesHash(token: string, stored: Buffer | Uint8Array): boolean {
  const presented = hashToken(token);
  if (stored.length !== presented.length) return false;
  return timingSafeEqual(presented, stored);
}
