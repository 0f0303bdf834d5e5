/**
 * The Parquet encoder's memory with wide, incompressible rows, where the row-group byte limit rather than the
 * row count closes row groups (encoders/parquet/writer-properties.ts MAX_ROW_GROUP_BYTES).
 * Run: npx tsx bench/parquet-wide-rows.ts [rows=200000] [bytesPerRow=2000]
 * Prints the row groups the file came out in, the largest, the WebAssembly heap and the process's peak RSS.
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { wasmMemory } from 'parquet-wasm';
import type { RowBatch } from '../dialects/source.ts';
import { parquetEncoder } from '../encoders/parquet/parquet-transform.ts';
import { peakRssMb } from './baseline-rows.ts';

const rows = Number(process.argv[2] ?? 200_000);
const width = Number(process.argv[3] ?? 2000);

function* batches(): Generator<RowBatch> {
  for (let start = 0; start < rows; start += 1000) {
    yield Array.from({ length: Math.min(1000, rows - start) }, (_, i) => [
      BigInt(start + i),
      randomBytes(Math.ceil((width * 3) / 4))
        .toString('base64')
        .slice(0, width),
    ]);
  }
}

const chunks: number[] = [];
const started = performance.now();
await pipeline(
  Readable.from(batches(), { objectMode: true, highWaterMark: 2 }),
  parquetEncoder.create(
    [
      { name: 'id', type: 'int64' },
      { name: 'text', type: 'string' },
    ],
    {},
  ),
  new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk.byteLength);
      cb();
    },
  }),
);
const seconds = (performance.now() - started) / 1000;
const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(
  `${rows.toLocaleString('en-US')} rows × ${width} B in ${seconds.toFixed(1)} s: file ${mb(chunks.reduce((a, b) => a + b, 0))} MB ` +
    `in ${chunks.length} chunks (largest ${mb(Math.max(...chunks))} MB), WebAssembly heap ${mb(wasmMemory().buffer.byteLength)} MB, ` +
    `peak RSS ${peakRssMb().toFixed(0)} MB`,
);
