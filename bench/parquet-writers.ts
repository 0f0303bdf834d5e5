/**
 * Which Parquet writer sluice uses, and with what row-group size: the same generated rows (the BASELINES
 * schema, bench/baseline-rows.ts) through each candidate that installs and runs on Node 20.
 *
 * Run:  npx tsx bench/parquet-writers.ts [rows=1000000] [only=name,name]
 * Only parquet-wasm is a dependency. To measure the others, install them outside the repo and point here:
 *   npm install --prefix /tmp/pq hyparquet-writer@0.17.0 parquetjs-lite@0.8.7 @dsnp/parquetjs@1.8.8
 *   PARQUET_CANDIDATES=/tmp/pq npx tsx bench/parquet-writers.ts
 * (@dsnp/parquetjs ≥ 1.9 needs Node ≥ 24; 1.8.8 installs with engine warnings from its @zenfs dependencies.)
 *
 * Each case runs in its own process, so its peak RSS is the kernel's high-water mark for that case alone.
 * Printed per case: rows/s (including generation) and net of generation, output MB/s, file size, peak RSS,
 * how many pieces the file came out in and the largest (a writer that holds the whole file emits one piece
 * the size of the file; one that streams emits a row group at a time), and a type probe: small files with
 * DECIMAL(38,10) and (9,2), timestamp and timestamptz before 1970, and a date before 1970, read back by
 * DuckDB (parquet_schema + values): the types an export needs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Column } from '../schemas/column.ts';
import type { RowBatch } from '../dialects/source.ts';
import type { EncoderOptions } from '../encoders/encoder.ts';
import { parquetEncoder } from '../encoders/parquet/parquet-transform.ts';
import { baselineBatches, baselineColumns, peakRssMb } from './baseline-rows.ts';

/** The other writers get sluice's default row-group size. */
const RG = 262_144;

interface Candidate {
  name: string;
  pkg: string;
  codec: string;
  /** Writes `rows` rows; `emit` gets file bytes as the library hands them out. */
  write(rows: number, emit: (bytes: Uint8Array) => void): Promise<void>;
  /** A probe file with the columns of `part`, or throws when the library cannot write them. */
  probe(part: ProbePart): Promise<Uint8Array>;
  zstd: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Loading: the repo's node_modules first, then PARQUET_CANDIDATES (a folder with its own node_modules).

async function load(pkg: string): Promise<Record<string, unknown>> {
  const bases = [
    import.meta.url,
    process.env.PARQUET_CANDIDATES && `${process.env.PARQUET_CANDIDATES}/package.json`,
  ];
  for (const base of bases) {
    if (!base) continue;
    try {
      const resolved = createRequire(base).resolve(pkg);
      return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
    } catch {
      // try the next place
    }
  }
  throw new Error(`${pkg} is not installed (see the header of bench/parquet-writers.ts)`);
}

function version(pkg: string): string {
  // Packages with an `exports` map hide their package.json; walk up from the entry point instead.
  const bases = [
    import.meta.url,
    process.env.PARQUET_CANDIDATES && `${process.env.PARQUET_CANDIDATES}/package.json`,
  ];
  for (const base of bases) {
    if (!base) continue;
    try {
      let dir = dirname(createRequire(base).resolve(pkg));
      for (;;) {
        const manifest = join(dir, 'package.json');
        if (existsSync(manifest)) {
          const { name, version: v } = JSON.parse(readFileSync(manifest, 'utf8')) as {
            name?: string;
            version: string;
          };
          if (name === pkg) return v;
        }
        if (dirname(dir) === dir) break;
        dir = dirname(dir);
      }
    } catch {
      // next
    }
  }
  return '?';
}

// ---------------------------------------------------------------------------------------------------------
// The probe: the types sluice must write, with values a careless writer gets wrong.

const PROBE_DECIMAL = '-9999999999999999999999999999.9999999999';
const PROBE_SMALL_DECIMAL = '-1234567.89';
const PROBE_MICROS = -1n; // 1969-12-31 23:59:59.999999
const PROBE_DAY = -1; // 1969-12-31
type ProbePart = 'decimal' | 'timestamp' | 'date';
const PROBE_PARTS: ProbePart[] = ['decimal', 'timestamp', 'date'];
const probeColumns: Record<ProbePart, Column[]> = {
  decimal: [
    { name: 'd38', type: 'decimal', precision: 38, scale: 10 },
    { name: 'd9', type: 'decimal', precision: 9, scale: 2 },
  ],
  timestamp: [
    { name: 'ts', type: 'timestamp' },
    { name: 'tsz', type: 'timestamptz' },
  ],
  date: [{ name: 'dt', type: 'date' }],
};
const probeRows: Record<ProbePart, unknown[]> = {
  decimal: [PROBE_DECIMAL, PROBE_SMALL_DECIMAL],
  timestamp: [PROBE_MICROS, PROBE_MICROS],
  date: [PROBE_DAY],
};

function unscaled(text: string, scale: number): bigint {
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const v = BigInt(whole! + fraction.padEnd(scale, '0'));
  return text.startsWith('-') ? -v : v;
}

/** Big-endian two's complement in `width` bytes, as Parquet stores DECIMAL in byte arrays. */
function decimalBytes(v: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let x = BigInt.asUintN(width * 8, v);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

type ProbeResult = Record<ProbePart, string>;

/** 'yes', or 'NO (what DuckDB saw)': the schema element's type annotations and the value read back. */
async function checkProbe(part: ProbePart, file: Uint8Array): Promise<string> {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = `${mkdtempSync(`${tmpdir()}/pq-probe-`)}/probe.parquet`;
  writeFileSync(path, file);
  // Loaded here, after the measurement: DuckDB's native library alone adds ~100 MB of RSS.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const c = await (await DuckDBInstance.create(':memory:')).connect();
  const schema = (
    await c.runAndReadAll(
      `select name, converted_type, precision, scale, logical_type from parquet_schema('${path}')`,
    )
  ).getRowObjectsJson() as Record<string, string | null>[];
  const el = (name: string) => schema.find((s) => s.name === name) ?? {};
  const read = async (expr: string) =>
    String(
      Object.values(
        (await c.runAndReadAll(`select ${expr} from read_parquet('${path}')`)).getRowObjectsJson()[0]!,
      )[0],
    );
  switch (part) {
    case 'decimal': {
      const [d38, d9] = [await read('d38::varchar'), await read('d9::varchar')];
      const ok =
        el('d38').converted_type === 'DECIMAL' &&
        el('d38').precision === '38' &&
        el('d38').scale === '10' &&
        el('d9').precision === '9' &&
        d38 === PROBE_DECIMAL &&
        d9 === PROBE_SMALL_DECIMAL;
      return ok ? 'yes' : `NO (${el('d38').converted_type ?? 'no DECIMAL'}, read ${d38})`;
    }
    case 'timestamp': {
      const utc = (name: string) => /isAdjustedToUTC=(\d)/.exec(el(name).logical_type ?? '')?.[1] ?? '-';
      const [ts, tsz] = [await read('epoch_us(ts)::varchar'), await read('epoch_us(tsz)::varchar')];
      const ok = utc('ts') === '0' && utc('tsz') === '1' && ts === '-1' && tsz === '-1';
      return ok ? 'yes' : `NO (UTC flags ${utc('ts')}/${utc('tsz')}, read ${ts})`;
    }
    case 'date': {
      const dt = await read('dt::varchar');
      return el('dt').converted_type === 'DATE' && dt === '1969-12-31' ? 'yes' : `NO (read ${dt})`;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Candidates.

async function viaSluice(
  batches: Iterable<RowBatch>,
  columns: Column[],
  options: EncoderOptions,
  emit: (b: Uint8Array) => void,
) {
  const source = Readable.from(batches, { objectMode: true, highWaterMark: 2 });
  await pipeline(
    source,
    parquetEncoder.create(columns, options),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        emit(chunk);
        cb();
      },
    }),
  );
}

function parquetWasm(label: string, options: EncoderOptions): Candidate {
  return {
    name: label,
    pkg: 'parquet-wasm',
    codec: options.parquetCompression ?? 'zstd',
    zstd: true,
    write: (rows, emit) => viaSluice(baselineBatches(rows), baselineColumns, options, emit),
    async probe(part) {
      const chunks: Uint8Array[] = [];
      await viaSluice([[probeRows[part]]], probeColumns[part], options, (b) => chunks.push(b));
      return Buffer.concat(chunks);
    },
  };
}

/** hyparquet-writer: columns as JS arrays per row group; the writer's flush() hands out each row group. */
function hyparquetWriter(): Candidate {
  type HW = {
    ParquetWriter: new (o: object) => {
      write(o: object): void | Promise<void>;
      finish(): void | Promise<void>;
    };
    ByteWriter: new (size?: number) => {
      buffer: ArrayBuffer;
      index: number;
      flush?: () => void;
      finish: () => void;
    };
  };
  const streamingWriter = async (emit: (b: Uint8Array) => void) => {
    const { ByteWriter } = (await load('hyparquet-writer')) as unknown as HW;
    const w = new ByteWriter(1 << 20);
    w.flush = () => {
      emit(new Uint8Array(w.buffer, 0, w.index).slice());
      w.index = 0;
    };
    w.finish = () => w.flush!();
    return w;
  };
  const required = 'REQUIRED';
  return {
    name: 'hyparquet-writer snappy',
    pkg: 'hyparquet-writer',
    codec: 'snappy',
    zstd: false, // only snappy built in; zstd needs a compressor, and Node 20's zlib has none
    async write(rows, emit) {
      const { ParquetWriter } = (await load('hyparquet-writer')) as unknown as HW;
      const schema = [
        { name: 'root', num_children: 7 },
        { name: 'id', type: 'INT64', repetition_type: required },
        {
          name: 'ts',
          type: 'INT64',
          repetition_type: required,
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
        },
        { name: 'entity', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required },
        { name: 'category', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: required },
        { name: 'amount', type: 'DOUBLE', repetition_type: required },
        { name: 'qty', type: 'INT32', repetition_type: required },
        { name: 'note', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ];
      const writer = new ParquetWriter({ writer: await streamingWriter(emit), schema, codec: 'SNAPPY' });
      const names = schema.slice(1).map((s) => s.name);
      let cols: unknown[][] = names.map(() => []);
      const flush = async () => {
        await writer.write({
          columnData: names.map((name, i) => ({ name, data: cols[i] })),
          rowGroupSize: RG,
        });
        cols = names.map(() => []);
      };
      for (const batch of baselineBatches(rows)) {
        for (const row of batch) for (let i = 0; i < 7; i++) cols[i]!.push(row[i]);
        if (cols[0]!.length >= RG) await flush();
      }
      if (cols[0]!.length > 0) await flush();
      await writer.finish();
    },
    async probe(part) {
      const { ParquetWriter } = (await load('hyparquet-writer')) as unknown as HW;
      const opt = 'OPTIONAL';
      const ts = (isAdjustedToUTC: boolean) => ({ type: 'TIMESTAMP', isAdjustedToUTC, unit: 'MICROS' });
      const elements = {
        decimal: [
          {
            name: 'd38',
            type: 'FIXED_LEN_BYTE_ARRAY',
            type_length: 16,
            converted_type: 'DECIMAL',
            precision: 38,
            scale: 10,
            repetition_type: opt,
          },
          {
            name: 'd9',
            type: 'INT32',
            converted_type: 'DECIMAL',
            precision: 9,
            scale: 2,
            repetition_type: opt,
          },
        ],
        timestamp: [
          { name: 'ts', type: 'INT64', logical_type: ts(false), repetition_type: opt },
          { name: 'tsz', type: 'INT64', logical_type: ts(true), repetition_type: opt },
        ],
        date: [{ name: 'dt', type: 'INT32', converted_type: 'DATE', repetition_type: opt }],
      }[part];
      const values = {
        decimal: [unscaled(PROBE_DECIMAL, 10), unscaled(PROBE_SMALL_DECIMAL, 2)],
        timestamp: [PROBE_MICROS, PROBE_MICROS],
        date: [PROBE_DAY],
      }[part];
      const chunks: Uint8Array[] = [];
      const schema = [{ name: 'root', num_children: elements.length }, ...elements];
      const writer = new ParquetWriter({ writer: await streamingWriter((b) => chunks.push(b)), schema });
      await writer.write({ columnData: elements.map((e, i) => ({ name: e.name, data: [values[i]] })) });
      await writer.finish();
      return Buffer.concat(chunks);
    },
  };
}

/** parquetjs-lite and @dsnp/parquetjs share parquetjs's API: a schema, appendRow, a Node stream out. */
function parquetjs(pkg: 'parquetjs-lite' | '@dsnp/parquetjs'): Candidate {
  type PJ = {
    ParquetSchema: new (fields: object) => unknown;
    ParquetWriter: {
      openStream(
        schema: unknown,
        out: Writable,
        opts: object,
      ): Promise<{ appendRow(r: object): Promise<void>; close(): Promise<void> }>;
    };
  };
  const lib = async () => {
    const m = await load(pkg);
    return ((m.default as PJ | undefined)?.ParquetWriter ? m.default : m) as PJ;
  };
  const sink = (emit: (b: Uint8Array) => void) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        emit(chunk);
        cb();
      },
    });
  const lite = pkg === 'parquetjs-lite';
  return {
    name: `${pkg} snappy`,
    pkg,
    codec: 'snappy',
    zstd: false, // gzip, snappy, brotli (and lzo in -lite)
    async write(rows, emit) {
      const { ParquetSchema, ParquetWriter } = await lib();
      const compression = 'SNAPPY';
      const schema = new ParquetSchema({
        id: { type: 'INT64', compression },
        ts: { type: 'TIMESTAMP_MICROS', compression },
        entity: { type: 'UTF8', compression },
        category: { type: 'UTF8', compression },
        amount: { type: 'DOUBLE', compression },
        qty: { type: 'INT32', compression },
        note: { type: 'UTF8', compression, optional: true },
      });
      const writer = await ParquetWriter.openStream(schema, sink(emit), { rowGroupSize: RG });
      for (const batch of baselineBatches(rows)) {
        for (const r of batch) {
          await writer.appendRow({
            // parquetjs-lite parses INT64 with parseInt: a bigint past 2^53 would lose digits either way.
            id: lite ? Number(r[0]) : r[0],
            ts: r[1],
            entity: r[2],
            category: r[3],
            amount: r[4],
            qty: r[5],
            ...(r[6] === null ? {} : { note: r[6] }),
          });
        }
      }
      await writer.close();
    },
    async probe(part) {
      const { ParquetSchema, ParquetWriter } = await lib();
      // The closest each offers: DECIMAL only in @dsnp (as bytes when precision > 18); TIMESTAMP_MICROS has
      // no UTC flag (the converted type means UTC-adjusted).
      if (part === 'decimal' && lite) throw new Error('no DECIMAL type');
      const fields = {
        decimal: {
          d38: { type: 'DECIMAL', precision: 38, scale: 10 },
          d9: { type: 'DECIMAL', precision: 9, scale: 2 },
        },
        timestamp: { ts: { type: 'TIMESTAMP_MICROS' }, tsz: { type: 'TIMESTAMP_MICROS' } },
        date: { dt: { type: 'DATE' } },
      }[part];
      const row = {
        decimal: {
          d38: decimalBytes(unscaled(PROBE_DECIMAL, 10), 16),
          d9: Number(unscaled(PROBE_SMALL_DECIMAL, 2)),
        },
        timestamp: { ts: PROBE_MICROS, tsz: PROBE_MICROS },
        date: { dt: PROBE_DAY },
      }[part];
      const chunks: Uint8Array[] = [];
      const writer = await ParquetWriter.openStream(
        new ParquetSchema(fields),
        sink((b) => chunks.push(b)),
        {},
      );
      await writer.appendRow(row);
      await writer.close();
      return Buffer.concat(chunks);
    },
  };
}

const candidates: Candidate[] = [
  // sluice's parquet encoder with its defaults (zstd, 256k-row groups), then what it was chosen over.
  parquetWasm('parquet-wasm zstd rg=256k (sluice default)', {}),
  parquetWasm('parquet-wasm snappy rg=256k', { parquetCompression: 'snappy' }),
  parquetWasm('parquet-wasm zstd rg=32k', { rowGroupRows: 32_768 }),
  parquetWasm('parquet-wasm zstd rg=64k', { rowGroupRows: 65_536 }),
  parquetWasm('parquet-wasm zstd rg=128k', { rowGroupRows: 131_072 }),
  parquetWasm('parquet-wasm zstd rg=1M', { rowGroupRows: 1_048_576 }),
  hyparquetWriter(),
  parquetjs('parquetjs-lite'),
  parquetjs('@dsnp/parquetjs'),
];

// ---------------------------------------------------------------------------------------------------------
// Driver: the parent runs each case in a child, `repeat` rounds interleaved, and prints one table of medians.

interface Result {
  name: string;
  version?: string;
  seconds: number;
  bytes: number;
  /** How many pieces the file came out in, and the largest: a writer that buffers the file emits one. */
  chunks: number;
  largestChunk: number;
  peakRssMb: number;
  probe?: ProbeResult;
  zstd?: boolean;
  error?: string;
}

async function child(name: string, rows: number): Promise<Result> {
  const started = performance.now();
  if (name === 'generation') {
    for (const batch of baselineBatches(rows)) void batch;
    return {
      name,
      seconds: (performance.now() - started) / 1000,
      bytes: 0,
      chunks: 0,
      largestChunk: 0,
      peakRssMb: peakRssMb(),
    };
  }
  const c = candidates.find((x) => x.name === name)!;
  let bytes = 0;
  let chunks = 0;
  let largestChunk = 0;
  try {
    await c.write(rows, (b) => {
      bytes += b.byteLength;
      chunks++;
      largestChunk = Math.max(largestChunk, b.byteLength);
    });
  } catch (err) {
    const error = String((err as Error).message ?? err).slice(0, 120);
    return { name, seconds: 0, bytes: 0, chunks: 0, largestChunk: 0, peakRssMb: peakRssMb(), error };
  }
  const seconds = (performance.now() - started) / 1000;
  const rss = peakRssMb(); // before the probe loads DuckDB
  const probe = {} as ProbeResult;
  for (const part of PROBE_PARTS) {
    try {
      probe[part] = await checkProbe(part, await c.probe(part));
    } catch (err) {
      probe[part] = `NO (${String((err as Error).message ?? err).slice(0, 60)})`;
    }
  }
  return {
    name,
    version: version(c.pkg),
    seconds,
    bytes,
    chunks,
    largestChunk,
    peakRssMb: rss,
    probe,
    zstd: c.zstd,
  };
}

function runChild(script: string, name: string, rows: number): Result {
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--child', name, String(rows)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return JSON.parse(line.slice(7)) as Result;
  const error = run.stderr.trim().split('\n').slice(-1)[0] ?? `exit ${run.status}`;
  return { name, seconds: 0, bytes: 0, chunks: 0, largestChunk: 0, peakRssMb: 0, error };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const [, , first, second, third] = process.argv;
if (first === '--child') {
  const result = await child(second!, Number(third));
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} else {
  const rows = Number(first ?? 1_000_000);
  const only = second && second !== 'all' ? second.split(',') : undefined;
  const repeat = Number(third ?? 3);
  const script = fileURLToPath(import.meta.url);
  const names = [
    'generation',
    ...candidates.map((c) => c.name).filter((n) => !only || only.some((o) => n.includes(o))),
  ];
  const runs = new Map<string, Result[]>(names.map((n) => [n, []]));
  for (let round = 0; round < repeat; round++) {
    for (const name of names) {
      runs.get(name)!.push(runChild(script, name, rows));
      process.stderr.write(`round ${round + 1}/${repeat}: ${name}\n`);
    }
  }
  const summary = (name: string): Result & { rssMax: number } => {
    const all = runs.get(name)!;
    const ok = all.filter((r) => !r.error);
    if (ok.length === 0) return { ...all[0]!, rssMax: 0 };
    return {
      ...ok[0]!,
      seconds: median(ok.map((r) => r.seconds)),
      peakRssMb: median(ok.map((r) => r.peakRssMb)),
      rssMax: Math.max(...ok.map((r) => r.peakRssMb)),
    };
  };
  const gen = summary('generation');
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `${rows.toLocaleString('en-US')} rows in batches of 4096, Node ${process.version}, medians of ${repeat} interleaved runs; ` +
      `generation alone ${gen.seconds.toFixed(2)} s (${fmt(rows / gen.seconds)} rows/s), peak RSS ${gen.peakRssMb.toFixed(0)} MB`,
  );
  console.log(
    '| writer | version | rows/s | net rows/s | MB/s | file MB | peak RSS MB (max) | chunks / largest MB | decimal(p,s) | timestamp µs + UTC flag | date | zstd |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const name of names.slice(1)) {
    const r = summary(name);
    if (r.error) {
      console.log(`| ${r.name} | ${r.version ?? ''} | FAILED: ${r.error} |||||||||`);
      continue;
    }
    const p = r.probe!;
    console.log(
      `| ${r.name} | ${r.version} | ${fmt(rows / r.seconds)} | ${fmt(rows / (r.seconds - gen.seconds))} | ` +
        `${(r.bytes / 1e6 / r.seconds).toFixed(1)} | ${(r.bytes / 1e6).toFixed(1)} | ${r.peakRssMb.toFixed(0)} (${r.rssMax.toFixed(0)}) | ` +
        `${r.chunks} / ${(r.largestChunk / 1e6).toFixed(1)} | ${p.decimal} | ${p.timestamp} | ${p.date} | ${r.zstd ? 'yes' : 'no'} |`,
    );
  }
}
