/**
 * The BASELINES.md schema, generated in JS (no database): id int8, ts timestamp, entity text (24 hex, 50
 * distinct), category text (10 distinct), amount float8, qty int4, note text (~30 chars, 10% NULL).
 * Values follow dialects/source.ts (int64 and timestamps as bigint).
 */
import type { Column } from '../schemas/column.ts';
import type { RowBatch } from '../dialects/source.ts';

export const BATCH_ROWS = 4096;

export const baselineColumns: Column[] = [
  { name: 'id', type: 'int64' },
  { name: 'ts', type: 'timestamp' },
  { name: 'entity', type: 'string' },
  { name: 'category', type: 'string' },
  { name: 'amount', type: 'float64' },
  { name: 'qty', type: 'int32' },
  { name: 'note', type: 'string' },
];

export function* baselineBatches(rows: number, batchRows = BATCH_ROWS): Generator<RowBatch> {
  const t0 = 1_700_000_000_000_000n;
  for (let start = 0; start < rows; start += batchRows) {
    const batch: RowBatch = [];
    for (let i = start; i < Math.min(rows, start + batchRows); i++) {
      batch.push([
        BigInt(i),
        t0 + BigInt(i) * 1_000_123n,
        `e${(i % 50).toString(16).padStart(23, '0')}`,
        `category ${i % 10}`,
        (i % 100_000) / 7,
        i % 1000,
        i % 10 === 0 ? null : `note for row ${i}, "quoted" part`,
      ]);
    }
    yield batch;
  }
}

/** Peak resident set of this process so far, in MB (the kernel's high-water mark, not a sample). */
export function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}
