import { describe, expect, it } from 'vitest';
import { isValidIdempotencyKey, requestFingerprint } from '../../jobs/idempotency.ts';

describe('idempotency keys and request fingerprints', () => {
  it('accept 1–255 printable ASCII characters only', () => {
    for (const ok of ['a', 'x'.repeat(255), '8e03978e-40d5-43e8-bc93-6894a57f9324', '"quoted" key ~!'])
      expect(isValidIdempotencyKey(ok)).toBe(true);
    for (const bad of ['', 'x'.repeat(256), 'é', 'a\tb', 'a\nb', '\u0000'])
      expect(isValidIdempotencyKey(bad)).toBe(false);
  });

  it('fingerprint method, path and canonical body', () => {
    const base = { method: 'post', path: '/v1/exports', body: { format: 'csv', filters: { a: 1, b: 2 } } };
    const fp = requestFingerprint(base);
    expect(requestFingerprint({ ...base, method: 'POST' })).toBe(fp);
    expect(requestFingerprint({ ...base, body: { filters: { b: 2, a: 1 }, format: 'csv' } })).toBe(fp);
    expect(requestFingerprint({ ...base, path: '/v1/reports/r1/export' })).not.toBe(fp);
    expect(requestFingerprint({ ...base, method: 'PUT' })).not.toBe(fp);
    expect(requestFingerprint({ ...base, body: { format: 'parquet', filters: { a: 1, b: 2 } } })).not.toBe(
      fp,
    );
  });
});
