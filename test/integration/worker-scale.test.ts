import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ExportCompleted } from '../../schemas/export-outcome.ts';
import { Topics } from '../../schemas/topics.ts';
import { readParquetWithDuckDb } from '../support/duckdb.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { TEST_WORKER_GROUP } from '../support/worker.ts';

/**
 * A million rows through the real `sluice worker` process, whose peak RSS (VmHWM) is read from /proc and
 * printed — a figure for the record, not an assertion (bench/ owns speed and memory).
 */
const ROWS = 1_000_000;
const schema = `wscale_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const workspaceId = `ws-scale-${randomUUID().slice(0, 8)}`;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

describe('a million rows through the worker process', () => {
  let child: ChildProcess;
  let recorder: TopicRecorder;
  let producer: Producer;
  let db: pg.Client;
  let stderr = '';

  beforeAll(async () => {
    const infra = inject('infra');
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(`CREATE TABLE ${schema}.events AS
      SELECT g::int8 AS id,
             timestamp '2024-01-01' + g * interval '1 second' AS ts,
             md5((g % 50)::text)::varchar(24) AS entity,
             'category ' || (g % 10) AS category,
             (g % 100000) / 7.0::float8 AS amount,
             (g % 1000)::int4 AS qty,
             CASE WHEN g % 10 = 0 THEN NULL ELSE 'note for row ' || g END AS note
        FROM generate_series(1, ${ROWS}) g`);
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed]);
    producer = kafka.producer();
    await producer.connect();
    const root = fileURLToPath(new URL('../..', import.meta.url));
    child = spawn(process.execPath, ['bin/sluice.mjs', 'worker'], {
      cwd: root,
      env: {
        ...process.env,
        ...infra,
        SLUICE_SOURCE_SCALE: infra.DATABASE_URL,
        SLUICE_SOURCE_SCALE_WORKSPACES: '*',
        SLUICE_SOURCE_SCALE_TABLES: '*',
        SLUICE_SOURCE_SCALE_RAW_SQL: 'true',
        SLUICE_WORKER_GROUP: TEST_WORKER_GROUP,
        // Like every test worker: the group may be new on a fresh broker, and requests are produced at once.
        SLUICE_REQUESTS_FROM: 'earliest',
        // Any free port: another worker on this machine may hold the default one.
        SLUICE_WORKER_METRICS_PORT: '0',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    while (!stderr.includes('worker.started')) {
      if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${stderr}`);
      if (Date.now() - started > 60_000) throw new Error(`worker did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await producer?.disconnect();
    await recorder?.stop();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
  });

  async function exportAs(
    format: string,
  ): Promise<{ event: ExportCompleted; body: Buffer; seconds: number }> {
    const requestId = randomUUID();
    const request = {
      version: 1,
      requestId,
      workspaceId,
      requestedBy: 'scale@example.com',
      source: 'scale',
      query: { kind: 'table', table: `${schema}.events` },
      format,
    };
    const sent = Date.now();
    await producer.send({
      topic: Topics.requests,
      messages: [{ key: workspaceId, value: JSON.stringify(request) }],
    });
    const [record] = await recorder.waitFor(
      (r) => r.json().requestId === requestId && (r.topic === Topics.completed || r.topic === Topics.failed),
      1,
      240_000,
    );
    const seconds = (Date.now() - sent) / 1000;
    expect(record!.topic, JSON.stringify(record!.json())).toBe(Topics.completed);
    const event = record!.json<ExportCompleted>();
    const body = Buffer.from(await (await fetch(event.url)).arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(event.sha256);
    return { event, body, seconds };
  }

  it('csv: every row arrives; the worker’s peak RSS is printed', { timeout: 300_000 }, async () => {
    const { event, body, seconds } = await exportAs('csv');
    expect(event.rows).toBe(ROWS);
    let lines = 0;
    for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) lines++;
    expect(lines).toBe(ROWS + 1);
    console.log(
      `[scale] csv: ${ROWS.toLocaleString('en-US')} rows, ${(event.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s ` +
        `(${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s end to end); worker peak RSS ${peakRssMb(child.pid!).toFixed(0)} MB`,
    );
  });

  it(
    'parquet: every row arrives, DuckDB reads them all; peak RSS printed',
    { timeout: 300_000 },
    async () => {
      const { event, body, seconds } = await exportAs('parquet');
      expect(event.rows).toBe(ROWS);
      const { rows } = await readParquetWithDuckDb(body, 'id').then(async (r) => ({ rows: r.rows.length }));
      expect(rows).toBe(ROWS);
      console.log(
        `[scale] parquet: ${ROWS.toLocaleString('en-US')} rows, ${(event.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s ` +
          `(${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s end to end); worker peak RSS ${peakRssMb(child.pid!).toFixed(0)} MB`,
      );
    },
  );
});
