/**
 * Load on one `sluice api` process (a real child process, as operators run it) with autocannon: sustained
 * requests/s and latency percentiles for POST /v1/exports (token check, rate-limit bucket, job + outbox
 * rows in one transaction, the relay publishing to Kafka behind it) and GET /v1/jobs/{id}, beside GET
 * /healthz on the same process — the framework's floor, measured in the same run.
 *
 *   npx tsx bench/api-load.ts [--duration 10] [--connections 16]
 *
 * Starts (or reuses) Kafka and S3Proxy like the test suite; PostgreSQL must be running. Rate limits are
 * raised for the run (SLUICE_RATE_LIMIT_API) so the figures are the API's, not the policy's; requests go
 * to a bench topic that is deleted afterwards, and the bench's job rows are removed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { migrateAuthStore } from '../auth/migrations.ts';
import { TokenStore } from '../auth/tokens.ts';
import { ensureInfra } from '../infra/index.ts';
import { spawnApiProcess, type ApiProcess } from '../test/support/api-process.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const topic = `sluice.bench.requests.${randomUUID().slice(0, 8)}`;
const run = randomUUID().slice(0, 8);
const table = `public.bench_api_${run}`;
/** Tokens of this many workspaces take turns, as callers of a shared deployment would. */
const WORKSPACES = 64;

/** The kernel's high-water mark of a process's resident set, in MB. */
function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

async function load(name: string, options: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ duration, connections, ...options });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const root = fileURLToPath(new URL('..', import.meta.url));
const infra = await ensureInfra({ root, log: (line) => console.error(`[infra] ${line}`) });
const settings = infra.settings as unknown as Record<string, string>;
const pool = new pg.Pool({ connectionString: settings.DATABASE_URL, max: 2 });
const kafka = new Kafka({ brokers: settings.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
let api: ApiProcess | undefined;
try {
  await migrateAuthStore(pool);
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }] });
  const tokenStore = new TokenStore(pool);
  const tokens: string[] = [];
  for (let i = 0; i < WORKSPACES; i++) {
    tokens.push(
      (await tokenStore.create({ workspaceId: `bench-${run}-${i}`, userId: 'bench', kind: 'api' })).token,
    );
  }
  // The API plans every POST against the source's grant and its live table (cached), as in production.
  await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigint, ts timestamptz, amount numeric)`);
  api = await spawnApiProcess(settings, {
    SLUICE_REQUEST_TOPIC: topic,
    SLUICE_RATE_LIMIT_API: '100000000,100000000/1',
    SLUICE_SOURCE_BENCH: settings.DATABASE_URL!,
    SLUICE_SOURCE_BENCH_WORKSPACES: '*',
    SLUICE_SOURCE_BENCH_TABLES: table,
  });
  const auth = { authorization: `Bearer ${tokens[0]}` };
  let turn = 0;
  const nextCaller = (request: autocannon.Request) => ({
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${tokens[turn++ % tokens.length]}` },
  });
  const body = JSON.stringify({
    source: 'bench',
    query: { kind: 'table', table, columns: ['id', 'ts', 'amount'] },
    format: 'parquet',
  });
  const first = await fetch(`${api.url}/v1/exports`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body,
  });
  const { job_id: jobId } = (await first.json()) as { job_id: string };

  // Warm-up: JIT, connection pool, prepared paths.
  await autocannon({ url: `${api.url}/healthz`, duration: 2, connections });
  const results = [
    await load('GET /healthz (baseline)', { url: `${api.url}/healthz` }),
    await load('GET /v1/jobs/{id}', { url: `${api.url}/v1/jobs/${jobId}`, headers: auth }),
    await load(`POST /v1/exports (${WORKSPACES} workspaces)`, {
      url: `${api.url}/v1/exports`,
      requests: [
        { method: 'POST', headers: { 'content-type': 'application/json' }, body, setupRequest: nextCaller },
      ],
    }),
    // Every request updates the same rate-limit bucket row: the worst case for one workspace.
    await load('POST /v1/exports (one workspace)', {
      url: `${api.url}/v1/exports`,
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    }),
  ];
  const rss = peakRssMb(api.pid);
  const { rows } = await pool.query(
    `SELECT count(*)::int AS jobs, count(*) FILTER (WHERE o.published_at IS NOT NULL)::int AS published
       FROM sluice_jobs j LEFT JOIN sluice_outbox o USING (job_id) WHERE j.workspace_id LIKE $1`,
    [`bench-${run}-%`],
  );

  console.log(
    `\nsluice api under load — ${duration} s per route, ${connections} connections, ${cpus().length} cores ` +
      `(${cpus()[0]?.model.trim()}), node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`,
  );
  console.log('| route | req/s | p50 ms | p99 ms | max ms | non-2xx | errors | vs baseline |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const baseline = results[0]!.rps;
  for (const r of results) {
    console.log(
      `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.non2xx} | ${r.errors} | ` +
        `${(r.rps / baseline).toFixed(2)}× |`,
    );
  }
  console.log(
    `\nAPI process peak RSS ${rss.toFixed(0)} MB; jobs accepted ${rows[0].jobs}, ` +
      `published to Kafka by the relay so far ${rows[0].published}.`,
  );
} finally {
  await api?.stop();
  const mine = [`bench-${run}-%`];
  await pool.query(
    `DELETE FROM sluice_outbox WHERE job_id IN (SELECT job_id FROM sluice_jobs WHERE workspace_id LIKE $1)`,
    mine,
  );
  await pool.query(`DELETE FROM sluice_jobs WHERE workspace_id LIKE $1`, mine);
  await pool.query(`DELETE FROM sluice_tokens WHERE workspace_id LIKE $1`, mine);
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
  await pool.end();
  if (process.env.SLUICE_KEEP_INFRA !== '1') await infra.stop();
}
