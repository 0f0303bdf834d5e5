/**
 * S3 allows at most 10,000 parts of 5 MiB to 5 GiB each (the last may be smaller). An export does not know
 * its size up front, so parts start small (fast first byte, small memory) and double every 1,000 parts:
 * from 8 MiB that reaches the 5 TiB object limit before part 10,000 while a 1 GB export uses 8 MiB parts.
 */
export const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
export const PARTS_PER_DOUBLING = 1_000;

export function partSizeFor(partNumber: number, basePartSize: number): number {
  const doublings = Math.floor((partNumber - 1) / PARTS_PER_DOUBLING);
  return Math.min(basePartSize * 2 ** doublings, MAX_PART_SIZE);
}
