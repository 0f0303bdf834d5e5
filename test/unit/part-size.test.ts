import { describe, expect, it } from 'vitest';
import {
  MAX_OBJECT_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MiB,
  MIN_PART_SIZE,
  partSizeFor,
  partsInFlight,
} from '../../sinks/s3/part-size.ts';

/** The object size the parts hold once `parts` of them are full. */
function capacity(parts: number, base: number): number {
  let total = 0;
  for (let n = 1; n <= parts; n++) total += partSizeFor(n, base);
  return total;
}

describe('multipart part sizes', () => {
  for (const baseMiB of [5, 8, 64, 5120]) {
    it(`from ${baseMiB} MiB, 10,000 parts hold a 5 TiB object, each part within S3's limits`, () => {
      const base = baseMiB * MiB;
      expect(capacity(MAX_PARTS, base)).toBeGreaterThanOrEqual(MAX_OBJECT_SIZE);
      for (let n = 1; n <= MAX_PARTS; n++) {
        const size = partSizeFor(n, base);
        expect(size).toBeGreaterThanOrEqual(MIN_PART_SIZE);
        expect(size).toBeLessThanOrEqual(MAX_PART_SIZE);
      }
    });
  }

  it('a 5 TiB object needs fewer than 10,000 parts from the default 8 MiB', () => {
    let total = 0;
    let n = 0;
    while (total < MAX_OBJECT_SIZE) total += partSizeFor(++n, 8 * MiB);
    expect(n).toBeLessThan(MAX_PARTS);
  });

  it('a 1 GB export keeps the first part size', () => {
    expect(partSizeFor(Math.ceil(1e9 / (8 * MiB)), 8 * MiB)).toBe(8 * MiB);
  });

  it('lets fewer parts fly once they grow, so the bytes in flight stay those of the first size', () => {
    const base = 8 * MiB;
    expect(partsInFlight(1, base, 4)).toBe(4);
    expect(partsInFlight(900, base, 4)).toBe(4);
    expect(partsInFlight(901, base, 4)).toBe(2); // 16 MiB parts
    expect(partsInFlight(1801, base, 4)).toBe(1); // 32 MiB parts
    expect(partsInFlight(9999, base, 4)).toBe(1); // never fewer than one
    for (let part = 1; part <= MAX_PARTS; part += 97) {
      const inFlight = partsInFlight(part, base, 4) * partSizeFor(part, base);
      expect(inFlight).toBeLessThanOrEqual(Math.max(4 * base, partSizeFor(part, base)));
    }
  });
});
