/**
 * `npm run bench -- --rows 10000000`: the scale benchmark of issue 6. Generates N rows of the BASELINES.md
 * schema in PostgreSQL (and MariaDB) once, then exports them
 *   - through the full pipeline: Kafka → a real `sluice worker` child process (own group, own job store
 *     database) → S3Proxy, for csv, csv+gzip, ndjson, parquet (zstd) and arrow, plus csv and parquet with
 *     options.parallel = 2; json on request (--formats);
 *   - through the one-shot CLI (`sluice export … --out s3://…`), PostgreSQL and MariaDB;
 * beside baselines measured in the same run: psql `\copy (…) to /dev/null` (the extraction ceiling), the
 * same \copy piped into `rclone rcat` to S3Proxy (what a user would do by hand), DuckDB
 * writing the same rows to Parquet from its own table (the encoder ceiling), and the PostgreSQL source's
 * decode-only rate. Prints each figure and writes bench/results/<rows>.json; bench/RESULTS.md is rebuilt
 * from every results file present.
 *
 * Flags: --rows N (default 1,000,000) · --formats csv,csv+gzip,ndjson,json,parquet,arrow · --no-mysql ·
 * --no-cli · --no-parallel · --no-baselines · --merge (keep the figures of an earlier run at this size that
 * this run does not measure) · --cpu-prof DIR (profile the worker; figures are then not written) · --drop (drop
 * the PostgreSQL bench table after) · --fresh-worker (a new worker process per case, so each peak RSS is that
 * export's alone rather than on top of what earlier jobs left in the heap; the issue measures it so) ·
 * --adjacent-baseline (psql \copy again right before each worker case, and that case's ratio to it logged:
 * on a shared machine the load moves between the run's baseline and a case minutes later).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { ensureInfra } from '../infra/index.ts';
import { jobIdFor } from '../jobs/job-id.ts';
import { createPostgresSource } from '../dialects/postgres/source.ts';
import { publishExportRequest } from '../producers/request-publisher.ts';
import type { ExportOptions, ExportRequested } from '../schemas/export-requested.ts';
import { Topics } from '../schemas/topics.ts';
import { readS3Settings } from '../cli/config.ts';
import { createS3Client } from '../sinks/s3/client.ts';
import { duckdbParquetCeiling, psqlCopyCeiling, timed } from './scale/baselines.ts';
import { pidsNamed, startCpuMeter } from './scale/cpu.ts';
import { psqlRcloneBaseline, type RcloneTarget } from './scale/rclone.ts';
import { renderResults, type BenchRun, type Figure } from './scale/report.ts';
import { deletePrefix, watchFirstPart } from './scale/s3-objects.ts';
import { BENCH_SCHEMA, ensureMysqlTable, ensurePostgresTable, postgresTableSize } from './scale/tables.ts';
import { WorkerProcess } from './scale/worker-process.ts';

interface FormatCase {
  label: string;
  format: string;
  options?: ExportOptions;
  ext: string;
}

const ALL_CASES: FormatCase[] = [
  { label: 'csv', format: 'csv', ext: 'csv' },
  { label: 'csv+gzip', format: 'csv', options: { compression: 'gzip' }, ext: 'csv.gz' },
  { label: 'ndjson', format: 'ndjson', ext: 'ndjson' },
  { label: 'parquet', format: 'parquet', ext: 'parquet' },
  { label: 'arrow', format: 'arrow', ext: 'arrows' },
];
// Measured only when named in --formats (its figures track ndjson's, with one more stage).
const EXTRA_CASES: FormatCase[] = [{ label: 'json', format: 'json', ext: 'json' }];
const PARALLEL_CASES: FormatCase[] = [
  { label: 'csv ×2 streams', format: 'csv', options: { parallel: 2 }, ext: 'csv' },
  { label: 'parquet ×2 streams', format: 'parquet', options: { parallel: 2 }, ext: 'parquet' },
];

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const rows = Number(value('rows') ?? 1_000_000);
if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer`);
const wanted = (value('formats') ?? ALL_CASES.map((c) => c.label).join(',')).split(',');
const cases = [...ALL_CASES, ...EXTRA_CASES].filter((c) => wanted.includes(c.label));
const parallelCases = flag('no-parallel') ? [] : PARALLEL_CASES.filter((c) => wanted.includes(c.format));
const cpuProfDir = value('cpu-prof');
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

const infra = (await ensureInfra({ root: process.cwd(), log: (l) => log(`infra: ${l}`) })).settings;
const pgUrl = infra.DATABASE_URL;
const s3 = createS3Client(readS3Settings({ ...infra }));
const bucket = infra.S3_BUCKET;
const s3proxyPid = (JSON.parse(readFileSync('.infra/run/s3proxy.pid', 'utf8')) as { pid: number }).pid;
const mb = (bytes: number) => bytes / 1e6;
const figures: Figure[] = [];
const record = (f: Figure) => {
  figures.push(f);
  const rate = f.rowsPerSec ? `${(f.rowsPerSec / 1e6).toFixed(2)}M rows/s` : '';
  log(
    `${f.path} ${f.label}: ${f.seconds.toFixed(2)} s ${rate}` +
      (f.bytes ? ` ${mb(f.bytes).toFixed(0)} MB ${(mb(f.bytes) / f.seconds).toFixed(0)} MB/s` : '') +
      (f.peakRssMb ? ` peak RSS ${f.peakRssMb.toFixed(0)} MB` : '') +
      (f.firstByteSec !== undefined ? ` first byte ${f.firstByteSec.toFixed(2)} s` : '') +
      (f.cpu
        ? ` cpu ${Object.entries(f.cpu)
            .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
            .join(', ')}`
        : ''),
  );
};

const table = await ensurePostgresTable(pgUrl, rows, log);
const mysqlTable = flag('no-mysql') ? undefined : await ensureMysqlTable(infra.MYSQL_URL, rows, log);

// Baselines, in this run (skipped with --no-baselines, for profiling runs only).
if (!flag('no-baselines')) {
  const ceiling = await psqlCopyCeiling(pgUrl, table);
  record({
    path: 'baseline',
    label: 'psql \\copy csv → /dev/null',
    rowsPerSec: rows / ceiling.seconds,
    ...ceiling,
  });
  // What a user would do by hand, into the same store: the CSV target is ≤ 0.75 × this (issue 18).
  const rcloneKey = `bench-h6/rclone/${randomUUID()}.csv`;
  const rclone = await psqlRcloneBaseline(pgUrl, `SELECT * FROM ${table}`, rcloneTarget(), rcloneKey);
  record({
    path: 'baseline',
    label: 'psql \\copy csv | rclone rcat → S3Proxy',
    rowsPerSec: rows / rclone.seconds,
    bytes: await listBytes(rcloneKey),
    ...rclone,
  });
  await deletePrefix(s3, bucket, rcloneKey);
  const duck = await duckdbParquetCeiling(rows);
  record({
    path: 'baseline',
    label: 'DuckDB table → parquet zstd',
    rowsPerSec: rows / duck.seconds,
    ...duck,
  });
}
// Decode-only is an in-process figure for the columnar paths; past 10M rows it only adds minutes.
if (!flag('no-baselines') && rows <= 10_000_000) {
  const source = createPostgresSource({ url: pgUrl, poolSize: 1 });
  const t0 = performance.now();
  let n = 0;
  const stream = await source.stream({ kind: 'table', table });
  for await (const batch of stream.batches) n += batch.length;
  const seconds = (performance.now() - t0) / 1000;
  await source.close();
  record({
    path: 'baseline',
    label: 'sluice PostgreSQL source, decode only (COPY text)',
    seconds,
    rowsPerSec: n / seconds,
  });
}

// The full pipeline through a real worker process.
const jobsDb = 'sluice_bench_jobs';
{
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [jobsDb]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${jobsDb}`);
  await admin.end();
}
const jobsUrl = pgUrl.replace(/\/[^/]*$/, `/${jobsDb}`);
const groupId = `sluice-bench-${randomUUID().slice(0, 8)}`;
const kafka = new Kafka({
  clientId: 'sluice-bench',
  brokers: infra.KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
{
  // A new group would read the requests topic from the beginning (other people's requests too): start it
  // at the end, so this worker sees only what the bench sends.
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(Topics.requests);
  await admin.setOffsets({
    groupId,
    topic: Topics.requests,
    partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
  });
  await admin.disconnect();
}
const workerEnv: NodeJS.ProcessEnv = {
  ...process.env,
  ...infra,
  DATABASE_URL: jobsUrl,
  SLUICE_WORKER_GROUP: groupId,
  SLUICE_WORKER_CONCURRENCY: '1',
  SLUICE_SOURCE_BENCHPG: pgUrl,
  SLUICE_SOURCE_BENCHPG_WORKSPACES: '*',
  SLUICE_SOURCE_BENCHPG_TABLES: '*',
  SLUICE_SOURCE_BENCHPG_RAW_SQL: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const startWorker = async (): Promise<WorkerProcess> => {
  const w = new WorkerProcess(workerEnv, cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []);
  await w.waitFor((l) => l.event === 'worker.started', 120_000, 'worker.started');
  return w;
};
let worker = await startWorker();
const producer = kafka.producer();
try {
  await producer.connect();
  const workspaceId = 'bench-h6';
  let first = true;
  for (const c of [...cases, ...parallelCases]) {
    if (flag('fresh-worker') && !first) {
      await worker.stop();
      worker = await startWorker();
    }
    first = false;
    const adjacent = flag('adjacent-baseline') ? await psqlCopyCeiling(pgUrl, table) : undefined;
    worker.resetPeak();
    const request: ExportRequested = {
      version: 1,
      requestId: randomUUID(),
      workspaceId,
      requestedBy: 'bench',
      source: 'benchpg',
      query: { kind: 'table', table },
      format: c.format,
      ...(c.options ? { options: c.options } : {}),
    };
    const jobId = jobIdFor(workspaceId, request.requestId);
    const prefix = `exports/${workspaceId}/${jobId}/`;
    const stopWatch = new AbortController();
    const firstPart = watchFirstPart(s3, bucket, prefix, stopWatch.signal);
    const cpu = startCpuMeter({
      worker: () => [worker.pid],
      postgres: () => pidsNamed('postgres'),
      s3proxy: () => [s3proxyPid],
    });
    await publishExportRequest(producer, request);
    const started = await worker.waitFor(
      (l) => l.event === 'export.started' && l.jobId === jobId,
      300_000,
      `start of ${jobId}`,
    );
    const ended = await worker.waitFor(
      (l) => l.jobId === jobId && (l.event === 'export.completed' || l.event === 'export.failed'),
      3_600_000,
      `end of ${jobId}`,
    );
    const cpuUsed = cpu();
    stopWatch.abort();
    const firstAt = await firstPart.catch(() => undefined);
    if (ended.event !== 'export.completed') throw new Error(`${c.label} failed: ${JSON.stringify(ended)}`);
    const seconds = (Date.parse(ended.t) - Date.parse(started.t)) / 1000;
    const startedAt = Date.parse(started.t);
    // Split exports report the manifest's bytes; the data is the sum of the files.
    const listed = await listBytes(prefix);
    record({
      path: 'worker',
      label: c.label,
      seconds,
      rowsPerSec: Number(ended.rows) / seconds,
      bytes: listed,
      peakRssMb: worker.peakRssMb(),
      cpu: cpuUsed,
      ...(firstAt !== undefined ? { firstByteSec: Math.max(0, firstAt - startedAt) / 1000 } : {}),
    });
    if (adjacent) {
      log(
        `${c.label}: psql \\copy just before it ${adjacent.seconds.toFixed(2)} s, ` +
          `ratio ${(adjacent.seconds / seconds).toFixed(2)} ×`,
      );
    }
    await deletePrefix(s3, bucket, prefix);
  }
} finally {
  await producer.disconnect().catch(() => {});
  await worker.stop();
}

// The one-shot CLI, PostgreSQL and MariaDB.
if (!flag('no-cli')) {
  const sources: { name: string; url: string; table: string; cases: FormatCase[] }[] = [
    { name: 'postgres', url: pgUrl, table, cases },
  ];
  if (mysqlTable) {
    sources.push({
      name: 'mariadb',
      url: infra.MYSQL_URL,
      table: mysqlTable,
      cases: cases.filter((c) => c.label === 'csv' || c.label === 'parquet'),
    });
  }
  for (const s of sources) {
    for (const c of s.cases) {
      const key = `bench-h6/cli/${randomUUID()}.${c.ext}`;
      const cpu = startCpuMeter({ postgres: () => pidsNamed('postgres'), s3proxy: () => [s3proxyPid] });
      const out = await timed(
        process.execPath,
        [
          'bin/sluice.mjs',
          'export',
          '--source',
          s.url,
          '--table',
          s.table,
          '--format',
          c.format,
          ...(c.options?.compression ? ['--compression', c.options.compression] : []),
          '--out',
          `s3://${bucket}/${key}`,
        ],
        { ...process.env, ...infra, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      );
      record({
        path: `cli ${s.name}`,
        label: c.label,
        seconds: out.seconds,
        rowsPerSec: rows / out.seconds,
        bytes: await listBytes(key),
        peakRssMb: out.peakRssMb,
        cpu: { cli: out.cpuSeconds!, ...cpu() },
      });
      await deletePrefix(s3, bucket, key);
    }
  }
  // The same pipeline into a local file: the export without the object store's share of the two cores.
  for (const c of cases.filter((x) => x.label === 'csv' || x.label === 'parquet')) {
    const file = `/tmp/sluice-bench-${randomUUID()}.${c.ext}`;
    const cpu = startCpuMeter({ postgres: () => pidsNamed('postgres') });
    const out = await timed(
      process.execPath,
      ['bin/sluice.mjs', 'export', '--source', pgUrl, '--table', table, '--format', c.format, '--out', file],
      { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    );
    const bytes = statSync(file).size;
    rmSync(file, { force: true });
    record({
      path: 'cli postgres → local file',
      label: c.label,
      seconds: out.seconds,
      rowsPerSec: rows / out.seconds,
      bytes,
      peakRssMb: out.peakRssMb,
      cpu: { cli: out.cpuSeconds!, ...cpu() },
    });
  }
}

const run: BenchRun = {
  rows,
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim(),
  machine:
    `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    execFileSync('psql', [pgUrl, '-Atc', 'SHOW server_version'])
      .toString()
      .trim()
      .replace(/^/, 'PostgreSQL '),
  tableSize: postgresTableSize(pgUrl, table),
  figures,
};
if (cpuProfDir) {
  // A profiled worker is slower: its figures are for reading the profile beside, not for RESULTS.md.
  log(`profile in ${cpuProfDir}; results not written`);
  s3.destroy();
  process.exit(0);
}
mkdirSync('bench/results', { recursive: true });
const resultsFile = `bench/results/${rows}.json`;
if (flag('merge') && existsSync(resultsFile)) {
  // Figures this run did not measure stay, marked with the commit they were measured at.
  const previous = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchRun;
  const measured = new Set(figures.map((f) => `${f.path}|${f.label}`));
  for (const f of previous.figures) {
    if (!measured.has(`${f.path}|${f.label}`))
      run.figures.push({ ...f, commit: f.commit ?? previous.commit });
  }
}
writeFileSync(resultsFile, JSON.stringify(run, null, 2) + '\n');
writeFileSync('bench/RESULTS.md', renderResults('bench/results'));
log(`wrote bench/results/${rows}.json and bench/RESULTS.md (schema ${BENCH_SCHEMA})`);
// Only now: the run's record above reads the table's size.
if (flag('drop')) {
  execFileSync('psql', [pgUrl, '-qc', `DROP TABLE IF EXISTS ${table}`]);
  log(`dropped ${table}`);
}
s3.destroy();

function rcloneTarget(): RcloneTarget {
  return {
    endpoint: infra.S3_ENDPOINT,
    region: infra.S3_REGION,
    accessKeyId: infra.S3_ACCESS_KEY_ID,
    secretAccessKey: infra.S3_SECRET_ACCESS_KEY,
    bucket,
  };
}

async function listBytes(prefix: string): Promise<number> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? [])
    .filter((o) => !o.Key!.endsWith('manifest.json'))
    .reduce((n, o) => n + (o.Size ?? 0), 0);
}
