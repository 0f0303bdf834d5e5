import { describe, expect, it } from 'vitest';
import { keyRanges } from '../../pipeline/split/parallel-ranges.ts';

describe('keyRanges', () => {
  const cases: { name: string; min: bigint; max: bigint; n: number }[] = [
    { name: 'even', min: 1n, max: 100n, n: 4 },
    { name: 'uneven', min: 1n, max: 10n, n: 3 },
    { name: 'negative', min: -50n, max: 49n, n: 7 },
    { name: 'fewer keys than streams', min: 5n, max: 7n, n: 16 },
    { name: 'one key', min: 9n, max: 9n, n: 4 },
    { name: 'int8 extremes', min: -(2n ** 63n), max: 2n ** 63n - 1n, n: 16 },
  ];
  for (const c of cases) {
    it(`${c.name}: contiguous half-open slices that cover [min, max] exactly`, () => {
      const ranges = keyRanges(c.min, c.max, c.n);
      expect(ranges.length).toBe(Number(c.max - c.min + 1n < BigInt(c.n) ? c.max - c.min + 1n : BigInt(c.n)));
      expect(ranges[0]![0]).toBe(c.min);
      expect(ranges.at(-1)![1]).toBe(c.max + 1n);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]);
      for (const [lo, hi] of ranges) expect(hi > lo).toBe(true);
    });
  }
});
