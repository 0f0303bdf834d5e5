/**
 * Every row encoder on the same generated rows (the BASELINES schema, bench/baseline-rows.ts), each through
 * its real Transform into a byte-counting sink, each in its own process so peak RSS is that encoder's alone.
 *
 * Run:  npx tsx bench/encoders.ts [rows=1000000] [repeat=3] [formats=csv,ndjson,json,parquet,arrow]
 * Prints medians of `repeat` interleaved runs: rows/s (including generation), net of generation (the
 * "generation only" line, measured the same way), MB/s of output, output size, and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { encoderFor } from '../encoders/index.ts';
import { baselineBatches, baselineColumns, peakRssMb } from './baseline-rows.ts';

interface Result {
  name: string;
  seconds: number;
  bytes: number;
  peakRssMb: number;
}

async function child(name: string, rows: number): Promise<Result> {
  let bytes = 0;
  const started = performance.now();
  if (name === 'generation') {
    // Through a stream too, so the baseline includes what every encoder run pays besides encoding.
    await pipeline(
      Readable.from(baselineBatches(rows), { objectMode: true, highWaterMark: 2 }),
      new Writable({ objectMode: true, write: (_b, _e, cb) => cb() }),
    );
  } else {
    await pipeline(
      Readable.from(baselineBatches(rows), { objectMode: true, highWaterMark: 2 }),
      encoderFor(name).create(baselineColumns, {}),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          bytes += chunk.byteLength;
          cb();
        },
      }),
    );
  }
  return { name, seconds: (performance.now() - started) / 1000, bytes, peakRssMb: peakRssMb() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const [, , first, second, third] = process.argv;
if (first === '--child') {
  process.stdout.write(`RESULT ${JSON.stringify(await child(second!, Number(third)))}\n`);
} else {
  const rows = Number(first ?? 1_000_000);
  const repeat = Number(second ?? 3);
  const names = ['generation', ...(third ?? 'csv,ndjson,json,parquet,arrow').split(',')];
  const script = fileURLToPath(import.meta.url);
  const runs = new Map<string, Result[]>(names.map((n) => [n, []]));
  for (let round = 0; round < repeat; round++) {
    for (const name of names) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', name, String(rows)], {
        encoding: 'utf8',
      });
      const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`${name} failed: ${run.stderr}`);
      runs.get(name)!.push(JSON.parse(line.slice(7)) as Result);
      process.stderr.write(`round ${round + 1}/${repeat}: ${name}\n`);
    }
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const gen = median(runs.get('generation')!.map((r) => r.seconds));
  console.log(
    `${fmt(rows)} rows in batches of 4096, Node ${process.version}, medians of ${repeat} interleaved runs`,
  );
  console.log('| encoder | rows/s | net rows/s | MB/s | output MB | peak RSS MB (max) |');
  console.log('|---|---|---|---|---|---|');
  for (const name of names) {
    const all = runs.get(name)!;
    const seconds = median(all.map((r) => r.seconds));
    const rss = median(all.map((r) => r.peakRssMb));
    const rssMax = Math.max(...all.map((r) => r.peakRssMb));
    const bytes = all[0]!.bytes;
    console.log(
      name === 'generation'
        ? `| generation only | ${fmt(rows / seconds)} | - | - | - | ${rss.toFixed(0)} (${rssMax.toFixed(0)}) |`
        : `| ${name} | ${fmt(rows / seconds)} | ${fmt(rows / (seconds - gen))} | ${(bytes / 1e6 / seconds).toFixed(1)} | ` +
            `${(bytes / 1e6).toFixed(1)} | ${rss.toFixed(0)} (${rssMax.toFixed(0)}) |`,
    );
  }
}
