/**
 * Why sluice encodes CSV itself instead of through csv-stringify: the same rows through both, in one run.
 * Run: npx tsx bench/csv-encoder.ts [rows]
 * Prints rows/s and MB/s for each, plus the row-generation baseline alone (so "net" excludes generation).
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { csvEncoder } from '../encoders/csv/csv-transform.ts';
import type { RowBatch } from '../dialects/source.ts';
import { baselineBatches, baselineColumns as columns } from './baseline-rows.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
function counter(): { sink: Writable; bytes: () => number } {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      bytes += chunk.byteLength;
      cb();
    },
  });
  return { sink, bytes: () => bytes };
}

async function measure(name: string, run: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const bytes = await run();
  const seconds = (performance.now() - started) / 1000;
  const rss = process.memoryUsage().rss / 1e6;
  console.log(
    `${name.padEnd(28)} ${Math.round(rows / seconds)
      .toLocaleString('en-US')
      .padStart(10)} rows/s` +
      `  ${(bytes / 1e6 / seconds).toFixed(1).padStart(7)} MB/s  rss ${rss.toFixed(0)} MB`,
  );
  return seconds;
}

const generation = await measure('generation only (baseline)', async () => {
  let n = 0;
  for (const b of baselineBatches(rows)) n += b.length;
  return n * 0;
});
const ours = await measure('sluice csv encoder', async () => {
  const c = counter();
  await pipeline(
    Readable.from(baselineBatches(rows), { objectMode: true }),
    csvEncoder.create(columns, {}),
    c.sink,
  );
  return c.bytes();
});
const theirs = await measure('csv-stringify 6 (rows)', async () => {
  const c = counter();
  const flatten = async function* (src: AsyncIterable<RowBatch>) {
    for await (const batch of src)
      for (const row of batch) yield row.map((v) => (typeof v === 'bigint' ? v.toString() : v));
  };
  await pipeline(
    Readable.from(baselineBatches(rows), { objectMode: true }),
    flatten,
    stringify({ header: false }),
    c.sink,
  );
  return c.bytes();
});
console.log(
  `net of generation: sluice ${Math.round(rows / (ours - generation)).toLocaleString('en-US')} rows/s, ` +
    `csv-stringify ${Math.round(rows / (theirs - generation)).toLocaleString('en-US')} rows/s`,
);
