import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { createLogger } from '../../core/logger.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { Topics } from '../../schemas/topics.ts';
import { startTestApi } from '../support/api.ts';
import { OPEN_GRANT } from '../support/grants.ts';
import { startTestWorker } from '../support/worker.ts';

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The value of one Prometheus sample line, e.g. `sluice_jobs{state="succeeded",workspace="w"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// What an operator relies on, end to end through the real API, broker, worker, PostgreSQL and S3Proxy.
describe('operability: metrics, trace context, job logs, `sluice jobs`', () => {
  const id = randomUUID().slice(0, 8);
  const ws = `ops-${id}`;
  const traceId = randomUUID().replaceAll('-', '');
  const traceparent = `00-${traceId}-${'a1b2c3d4e5f60718'}-01`;
  const lines: Json[] = [];
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let token: string;
  let otherToken: string;
  let limitedToken: string;
  let jobId: string;

  const cli = (args: string[], tokenFor = token) =>
    run(process.execPath, ['bin/sluice.mjs', 'jobs', ...args], {
      env: { ...process.env, SLUICE_API_URL: api.url, SLUICE_TOKEN: tokenFor },
    });
  const post = (body: unknown, headers: Record<string, string> = {}, bearer = token) =>
    fetch(`${api.url}/v1/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const getJob = async (job: string): Promise<Json> =>
    (await fetch(`${api.url}/v1/jobs/${job}`, { headers: { authorization: `Bearer ${token}` } })).json();

  beforeAll(async () => {
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    const tokens = new TokenStore(pool);
    token = (await tokens.create({ workspaceId: ws, userId: 'operator', kind: 'interactive' })).token;
    limitedToken = (await tokens.create({ workspaceId: ws, userId: 'hasty', kind: 'interactive' })).token;
    otherToken = (await tokens.create({ workspaceId: `${ws}-other`, userId: 'x', kind: 'interactive' }))
      .token;
    api = await startTestApi({
      sources: [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }],
      ratePolicies: {
        interactive: {
          name: 'interactive',
          scope: 'user',
          capacity: 2,
          refillTokens: 1,
          refillSeconds: 3600,
        },
        api: { name: 'api', scope: 'workspace', capacity: 10, refillTokens: 300, refillSeconds: 3600 },
      },
    });
    worker = await startTestWorker([{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }], {
      leaseMs: 3_000,
      metrics: { host: '127.0.0.1', port: 0 },
      log: createLogger({ level: 'debug', write: (l) => void lines.push(JSON.parse(l)) }),
    });
  });

  afterAll(async () => {
    await pool?.query(`DELETE FROM sluice_jobs WHERE workspace_id = $1`, [`${ws}-idle`]);
    await api?.stop();
    await worker?.stop();
    await pool?.end();
  });

  it('a traceparent travels from the API call through Kafka to every worker log line of the job', async () => {
    const res = await post(
      {
        source: 'pg',
        query: { kind: 'sql', sql: 'SELECT g AS n, md5(g::text) AS h FROM generate_series(1, 20000) g' },
        format: 'csv',
      },
      { traceparent },
    );
    expect(res.status).toBe(202);
    // The API continues the caller's trace, with a span of its own.
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    jobId = ((await res.json()) as Json).job_id;
    let job: Json;
    for (let i = 0; i < 150; i += 1) {
      job = await getJob(jobId);
      if (job.status === 'succeeded' || job.status === 'failed') break;
      await sleep(200);
    }
    expect(job).toMatchObject({ status: 'succeeded', progress: { rows: 20_000 } });

    const { rows } = await pool.query(`SELECT traceparent FROM sluice_jobs WHERE job_id = $1`, [jobId]);
    expect(rows[0].traceparent).toMatch(new RegExp(`^00-${traceId}-`));
    const jobLines = lines.filter((l) => l.jobId === jobId);
    expect(jobLines.map((l) => l.event)).toEqual(
      expect.arrayContaining(['request.admitted', 'export.started', 'export.completed']),
    );
    for (const line of jobLines) {
      expect(line).toMatchObject({ jobId, workspaceId: ws, traceId });
    }
  });

  it('the worker serves its figures at /metrics', async () => {
    expect(worker.metricsPort).toBeGreaterThan(0);
    const text = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(sample(text, `sluice_export_rows_total{format="csv",workspace="${ws}"}`)).toBe(20_000);
    expect(sample(text, `sluice_export_bytes_total{format="csv",workspace="${ws}"}`)).toBeGreaterThan(
      600_000,
    );
    expect(sample(text, 'sluice_export_first_byte_seconds_count{format="csv"}')).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'sluice_export_duration_seconds_count{format="csv",outcome="succeeded"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, `sluice_jobs_finished_total{outcome="succeeded",format="csv",workspace="${ws}"}`),
    ).toBe(1);
    expect(sample(text, 'sluice_s3_part_retries_total')).toBe(0);
    const lag = text
      .split('\n')
      .filter((l) => l.startsWith(`sluice_consumer_lag{topic="${Topics.requests}"`));
    expect(lag.length).toBeGreaterThan(0);
    for (const l of lag) expect(Number(l.split(' ')[1])).toBeGreaterThanOrEqual(0);
    expect(text).toContain('sluice_worker_process_cpu_seconds_total');
    expect((await fetch(`http://127.0.0.1:${worker.metricsPort}/other`)).status).toBe(404);
  });

  it('the API serves job states, queue depth, outbox backlog and rate-limit rejections at /metrics', async () => {
    const body = { source: 'pg', query: { kind: 'sql', sql: 'SELECT 1 AS one' }, format: 'csv' };
    expect((await post(body, {}, limitedToken)).status).toBe(202);
    expect((await post({ ...body, format: 'ndjson' }, {}, limitedToken)).status).toBe(202);
    expect((await post(body, {}, limitedToken)).status).toBe(429);
    await pool.query(
      `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status)
       VALUES ($1, $2, $1, 'h', '{}', 'csv', 'queued')`,
      [`${ws}-idle-job`, `${ws}-idle`],
    );
    const text = await (await fetch(`${api.url}/metrics`)).text();
    // One scrape reads every state at once: the first job, and the two accepted since, wherever they are now.
    const states = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
    const total = states
      .map((state) => sample(text, `sluice_jobs{state="${state}",workspace="${ws}"}`) ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(total).toBe(3);
    expect(sample(text, `sluice_jobs{state="succeeded",workspace="${ws}"}`)).toBeGreaterThanOrEqual(1);
    // A job no worker admitted stays queued: the depth of its workspace is exactly it.
    expect(sample(text, `sluice_queue_depth{workspace="${ws}-idle"}`)).toBe(1);
    expect(sample(text, 'sluice_outbox_backlog')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'sluice_rate_limit_rejections_total{route="/v1/exports"}')).toBe(1);
  });

  it('sluice jobs list, show and result answer for the token’s workspace only', async () => {
    const list = await cli(['list', '--status', 'succeeded']);
    expect(list.stdout).toContain(jobId);
    expect(list.stdout).toMatch(/succeeded\s+csv\s+20,000/);
    const shown = JSON.parse((await cli(['show', jobId])).stdout);
    expect(shown).toMatchObject({ id: jobId, status: 'succeeded', progress: { rows: 20_000 } });

    const out = join(mkdtempSync(join(tmpdir(), 'sluice-jobs-')), 'result.csv');
    await cli(['result', jobId, '--output', out]);
    const csv = readFileSync(out, 'utf8').trimEnd().split(/\r?\n/);
    expect(csv).toHaveLength(20_001);
    expect(csv[1]).toBe('1,c4ca4238a0b923820dcc509a6f75849b');

    const refused = await cli(['show', jobId], otherToken).catch((err: Json) => err);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('JOB_NOT_FOUND');
  });

  it('sluice jobs watch draws live progress of a running job until `sluice jobs cancel` stops it', async () => {
    const res = await post({
      source: 'pg',
      query: {
        kind: 'sql',
        sql: `SELECT a * 100000 + b AS n, repeat('x', 100) AS pad FROM generate_series(1, 10000) a, generate_series(1, 100000) b`,
      },
      format: 'csv',
      options: { partSizeMiB: 5 },
    });
    // The fixture's rate limit is per user: this is the operator's second of two.
    expect(res.status).toBe(202);
    const longJob: string = ((await res.json()) as Json).job_id;
    const watch = spawn(process.execPath, ['bin/sluice.mjs', 'jobs', 'watch', longJob, '--interval', '300'], {
      env: { ...process.env, SLUICE_API_URL: api.url, SLUICE_TOKEN: token },
    });
    let output = '';
    watch.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watch.on('close', resolve));

    // Rows grow between frames while it runs: the progress the worker records with each lease renewal.
    const runningRows = () =>
      output
        .split('\n')
        .filter((l) => l.includes(' running '))
        .map((l) => Number(/([\d,]+) rows /.exec(l)![1]!.replaceAll(',', '')));
    for (let i = 0; i < 200; i += 1) {
      const seen = new Set(runningRows().filter((n) => n > 0));
      if (seen.size >= 2) break;
      await sleep(200);
    }
    expect(new Set(runningRows().filter((n) => n > 0)).size).toBeGreaterThanOrEqual(2);
    expect(output).toMatch(/\[ *<=> *\] {2}running/);

    const cancelled = await cli(['cancel', longJob]);
    expect(cancelled.stdout.trim()).toBe(`${longJob} cancelled`);
    expect(await exited).toBe(1);
    expect(output.trimEnd().split('\n').at(-1)).toMatch(/^\[x{24}\] {2}cancelled/);
  });

  it('a running whole-table export knows its expected rows: the API shows them, `sluice jobs watch` a % and ETA', async () => {
    const table = `ops_eta_${id}`;
    // Unlogged, and VACUUM ANALYZE: fresh planner statistics (pg_class.reltuples), as after autovacuum.
    await pool.query(
      `CREATE UNLOGGED TABLE ${table} AS SELECT g AS n, repeat('x', 60) AS pad FROM generate_series(1, 4000000) g`,
    );
    try {
      await pool.query(`VACUUM ANALYZE ${table}`);
      const count = Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      // What the planner measured: the estimate the worker must report, within a hair of the true count.
      const { rows: stats } = await pool.query(
        `SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`,
        [table],
      );
      const estimate = Math.round(stats[0].n);
      expect(Math.abs(estimate - count)).toBeLessThan(count / 1000);
      // Another user: the operator has spent the fixture's two interactive requests.
      const tokens = new TokenStore(pool);
      const own = (await tokens.create({ workspaceId: ws, userId: 'watcher', kind: 'interactive' })).token;
      const res = await post(
        { source: 'pg', query: { kind: 'table', table }, format: 'csv', options: { partSizeMiB: 5 } },
        {},
        own,
      );
      expect(res.status).toBe(202);
      const tableJob: string = ((await res.json()) as Json).job_id;
      const watch = spawn(
        process.execPath,
        ['bin/sluice.mjs', 'jobs', 'watch', tableJob, '--interval', '200'],
        { env: { ...process.env, SLUICE_API_URL: api.url, SLUICE_TOKEN: own } },
      );
      let output = '';
      watch.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => watch.on('close', resolve));

      // Recorded with a lease renewal while the job runs; the list shows the same view.
      let job: Json;
      for (let i = 0; i < 150; i += 1) {
        job = await (
          await fetch(`${api.url}/v1/jobs/${tableJob}`, { headers: { authorization: `Bearer ${own}` } })
        ).json();
        if (job.progress.expected_rows !== null) break;
        await sleep(100);
      }
      expect(job.status).toBe('running');
      expect(job.progress.expected_rows).toBe(estimate);
      const listed = (await (
        await fetch(`${api.url}/v1/jobs?limit=100`, { headers: { authorization: `Bearer ${own}` } })
      ).json()) as Json;
      expect(listed.jobs.find((j: Json) => j.id === tableJob).progress.expected_rows).toBe(estimate);

      // watch fills its bar towards the expected rows, with a % and the time left, once it has seen them.
      for (let i = 0; i < 100 && !/ running .* \d+% {2}ETA /.test(output); i += 1) await sleep(100);
      expect(output).toMatch(/\[=* *\] {2}running .* \d+% {2}ETA \d+ (s|min)/);
      // The export runs to the end: a full bar, exit 0.
      expect(await exited).toBe(0);
      expect(output.trimEnd().split('\n').at(-1)).toMatch(/^\[={24}\] {2}succeeded/);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
    }
  });
});
