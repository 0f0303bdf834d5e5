/**
 * `npx tsx bench/latency.ts [--requests 100] [--formats csv,parquet,…]`: issue 18's small-export figures,
 * through a real `sluice worker` child process (as bench/scale.ts runs it):
 *   - idle worker RSS: the started worker before any job (target ≤ 120 MB), and again after the requests;
 *   - a 1-row export end to end: request produced to Kafka → its completion event read from Kafka, one
 *     request at a time, p50/p90/p99/max over --requests requests per format (after 3 warm-up requests);
 *   - the baseline of the same run: the same row by hand, `psql \copy … | rclone rcat` into the same
 *     S3Proxy (process start of both tools included), p50/p99 over 10 runs.
 * Run it under `flock /tmp/sluice-bench.lock`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { ensureInfra } from '../infra/index.ts';
import { jobIdFor } from '../jobs/job-id.ts';
import { publishExportRequest } from '../producers/request-publisher.ts';
import { createEventReader } from '../schema-registry/event-reader.ts';
import type { ExportRequested } from '../schemas/export-requested.ts';
import { Topics } from '../schemas/topics.ts';
import { readS3Settings } from '../cli/config.ts';
import { createS3Client } from '../sinks/s3/client.ts';
import { psqlRcloneBaseline } from './scale/rclone.ts';
import { deletePrefix } from './scale/s3-objects.ts';
import { BENCH_SCHEMA } from './scale/tables.ts';
import { WorkerProcess } from './scale/worker-process.ts';

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const requests = Number(value('requests') ?? 100);
const formats = (value('formats') ?? 'csv').split(',');
const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

const infra = (await ensureInfra({ root: process.cwd(), log: (l) => log(`infra: ${l}`) })).settings;
const pgUrl = infra.DATABASE_URL;
const bucket = infra.S3_BUCKET;
const s3 = createS3Client(readS3Settings({ ...infra }));
const table = `${BENCH_SCHEMA}.one_row`;
const jobsDb = 'sluice_bench_jobs';
{
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS ${BENCH_SCHEMA}`);
  await admin.query(`CREATE TABLE IF NOT EXISTS ${table} (id int8, ts timestamp, entity text, category text,
    amount float8, qty int4, note text)`);
  await admin.query(`DELETE FROM ${table}`);
  await admin.query(`INSERT INTO ${table} VALUES (1, '2023-11-14 22:13:20', 'e00000000000000000000001',
    'category 1', 0.142857, 1, 'note for row 1, "quoted" part')`);
  const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [jobsDb]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${jobsDb}`);
  await admin.end();
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
function summary(label: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return (
    `| ${label} | ${s.length} | ${ms(quantile(s, 0.5))} | ${ms(quantile(s, 0.9))} | ${ms(quantile(s, 0.99))} | ` +
    `${ms(s[s.length - 1]!)} |`
  );
}
const rssMb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  (Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) *
    1024) /
  1e6;

const rows: string[] = [];

// Baseline: the same row by hand.
{
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    const key = `bench-latency/rclone/${randomUUID()}.csv`;
    const { seconds } = await psqlRcloneBaseline(
      pgUrl,
      `SELECT * FROM ${table}`,
      {
        endpoint: infra.S3_ENDPOINT,
        region: infra.S3_REGION,
        accessKeyId: infra.S3_ACCESS_KEY_ID,
        secretAccessKey: infra.S3_SECRET_ACCESS_KEY,
        bucket,
      },
      key,
    );
    samples.push(seconds * 1000);
    await deletePrefix(s3, bucket, key);
  }
  rows.push(summary('baseline: psql \\copy | rclone rcat → S3Proxy (1 row)', samples));
  log(rows.at(-1)!);
}

const runId = randomUUID().slice(0, 8);
// The worker reads the shared requests topic from its end (as bench/scale.ts's does), so it may also take
// requests meant for others' workers while it runs; keep runs short.
const groupId = `sluice-bench-latency-${runId}`;

const kafka = new Kafka({
  clientId: 'sluice-bench',
  brokers: infra.KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
{
  // The worker's new group starts at the end of the requests topic: it sees only this bench's requests.
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
const worker = new WorkerProcess({
  ...process.env,
  ...(args.includes('--trace-imports') ? { NODE_OPTIONS: '--import /tmp/perfmy/trace.mjs' } : {}),
  ...infra,
  DATABASE_URL: pgUrl.replace(/\/[^/]*$/, `/${jobsDb}`),
  SLUICE_WORKER_GROUP: groupId,
  // Its own delivery group: joining the shared one would take partitions from other people's workers.
  SLUICE_DELIVERY_GROUP: `${groupId}-delivery`,
  SLUICE_WORKER_CONCURRENCY: '1',
  SLUICE_SOURCE_BENCHPG: pgUrl,
  SLUICE_SOURCE_BENCHPG_WORKSPACES: '*',
  SLUICE_SOURCE_BENCHPG_TABLES: '*',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
const outcomes = new Map<string, (outcome: { topic: string; event: Record<string, unknown> }) => void>();
const consumer = kafka.consumer({
  groupId: `sluice-bench-latency-events-${randomUUID()}`,
  maxWaitTimeInMs: 100,
});
const producer = kafka.producer();
const idle: string[] = [];
try {
  const startedAt = performance.now();
  await worker.waitFor((l) => l.event === 'worker.started', 120_000, 'worker.started');
  log(`worker started in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  await sleep(3000); // let start-up garbage go before reading the idle figure
  idle.push(
    `idle worker after start: RSS ${rssMb(worker.pid, 'VmRSS').toFixed(0)} MB, peak so far ${rssMb(worker.pid, 'VmHWM').toFixed(0)} MB`,
  );
  log(idle.at(-1)!);

  const readEvent = createEventReader(infra.SCHEMA_REGISTRY_URL || undefined);
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.completed, Topics.failed], fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (!message.value) return;
      for (const [jobId, resolve] of outcomes) {
        if (!message.value.includes(jobId)) continue;
        const event = (await readEvent(message.value)) as Record<string, unknown>;
        if (event.jobId === jobId) resolve({ topic, event });
      }
    },
  });
  await joined;
  await producer.connect();

  const exportOne = async (format: string): Promise<number> => {
    const request: ExportRequested = {
      version: 1,
      requestId: randomUUID(),
      workspaceId: 'bench-latency',
      requestedBy: 'bench',
      source: 'benchpg',
      query: { kind: 'table', table },
      format,
    };
    const jobId = jobIdFor(request.workspaceId, request.requestId);
    const outcome = new Promise<{ topic: string; event: Record<string, unknown> }>((resolve) =>
      outcomes.set(jobId, resolve),
    );
    const t0 = performance.now();
    await publishExportRequest(producer, request);
    const { topic, event } = await Promise.race([
      outcome,
      sleep(20_000).then(() => {
        const recent = worker.lines.slice(-5).map((l) => JSON.stringify(l));
        throw new Error(
          `no outcome for ${jobId} within 60 s; the worker's last lines:\n${recent.join('\n')}`,
        );
      }),
    ]);
    const elapsed = performance.now() - t0;
    outcomes.delete(jobId);
    if (topic !== Topics.completed) throw new Error(`${format} failed: ${JSON.stringify(event)}`);
    await deletePrefix(s3, bucket, `exports/${request.workspaceId}/${jobId}/`);
    return elapsed;
  };

  for (const format of formats) {
    for (let i = 0; i < 3; i++) await exportOne(format); // warm-up: first use of each encoder, connections
    const samples: number[] = [];
    for (let i = 0; i < requests; i++) samples.push(await exportOne(format));
    rows.push(summary(`worker: 1-row ${format}, produce → completion event`, samples));
    log(rows.at(-1)!);
  }
  idle.push(
    `worker after ${formats.length * (requests + 3)} exports: RSS ${rssMb(worker.pid, 'VmRSS').toFixed(0)} MB, peak ${rssMb(worker.pid, 'VmHWM').toFixed(0)} MB`,
  );
} finally {
  await consumer.disconnect().catch(() => {});
  await producer.disconnect().catch(() => {});
  await worker.stop();
  s3.destroy();
}
console.log(
  [
    `${new Date().toISOString()} · ${idle.join(' · ')}`,
    '| case | n | p50 | p90 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n'),
);
