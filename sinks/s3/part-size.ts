/**
 * S3 allows at most 10,000 parts of 5 MiB to 5 GiB each (the last may be smaller). An export does not know
 * its size up front, so parts start small (fast first byte, small memory) and double every 900 parts: even
 * from the 5 MiB minimum the 10,000 parts hold more than the 5 TiB object limit (about 9 TiB), while a 1 GB
 * export keeps the first part size throughout. test/unit/part-size.test.ts checks the sums.
 */
export const MiB = 1024 * 1024;
export const MIN_PART_SIZE = 5 * MiB;
/**
 * S3's minimum: the first part of a plain table export fills (and its first byte lands) soonest, and the
 * parts in flight hold least; the doubling schedule still reaches 5 TiB within 10,000 parts.
 */
export const DEFAULT_PART_SIZE = MIN_PART_SIZE;
export const MAX_PART_SIZE = 5 * 1024 * MiB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB;
export const PARTS_PER_DOUBLING = 900;

export function partSizeFor(partNumber: number, basePartSize: number): number {
  const doublings = Math.floor((partNumber - 1) / PARTS_PER_DOUBLING);
  return Math.min(basePartSize * 2 ** doublings, MAX_PART_SIZE);
}

/**
 * Parts a writer may have uploading at once before part `partNumber`: `queueSize` while parts have their
 * first size, proportionally fewer (at least one) once they have grown, so the bytes in flight stay at
 * queueSize × the first part size however large the object gets — without it a 13 GB export held twice
 * the part memory of a 1 GB one.
 */
export function partsInFlight(partNumber: number, basePartSize: number, queueSize: number): number {
  return Math.max(1, Math.floor((queueSize * basePartSize) / partSizeFor(partNumber, basePartSize)));
}
