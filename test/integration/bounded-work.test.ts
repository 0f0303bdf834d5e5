import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { MAX_PLANS_PER_REQUEST } from '../../schemas/metric-request.ts';
import { Topics } from '../../schemas/topics.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { startTestApi } from '../support/api.ts';
import { TABLES_ONLY_GRANT } from '../support/grants.ts';
import { testKafka } from '../support/kafka.ts';
import { SEED_ENTITY } from '../support/metric-fixtures.ts';
import { startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { startTestWorker, TEST_WORKER_GROUP } from '../support/worker.ts';
import { worstCsvGeneratorBody, worstMetricRequest } from '../support/worst-requests.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A liveness bound, not a benchmark: far above a healthy answer, far below a blocked event loop's. */
const HEALTHZ_BOUND_MS = 500;

// Bounded work: the worst request the caps allow blocks neither the API (its /healthz keeps answering)
// nor the worker (it stays a Stable member of its group and keeps renewing the job's lease).
describe('bounded work: the worst allowed request', () => {
  const workspaceId = `bw-${randomUUID().slice(0, 8)}`;
  let engines: MetricEngines;
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let producer: Producer;
  let admin: Admin;
  let token: string;

  beforeAll(async () => {
    const infra = inject('infra');
    engines = await startMetricEngines(infra, ['postgres']);
    const { catalog } = engines.engines[0]!;
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    await migrateRowPolicies(pool);
    const policies = createPgPolicyStore(pool);
    await policies.putPolicy({
      workspaceId,
      policyId: 'all',
      subject: { kind: 'user', name: 'boss' },
      allow: 'all',
    });
    token = (await new TokenStore(pool).create({ workspaceId, userId: 'boss', kind: 'interactive' })).token;
    const sources = [{ name: 'metrics', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT }];
    api = await startTestApi({ reportSource: 'metrics', catalog, sources });
    // A short lease, renewed every third of it (500 ms), so renewals are seen while the export runs.
    worker = await startTestWorker(sources, { catalog, leaseMs: 1_500 });
    const kafka = testKafka('sluice-test-bounded');
    producer = kafka.producer();
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await producer?.disconnect();
    await admin?.disconnect();
    await pool?.query(`DELETE FROM sluice_row_policies WHERE workspace_id = $1`, [workspaceId]);
    await pool?.end();
    await engines?.close();
  });

  interface Health {
    maxMs: number;
    answers: number;
    /** Answers other than 200, and failed calls. */
    bad: string[];
  }

  /** Polls /healthz every 50 ms while `during` runs; the slowest answer, and how many came. */
  async function watchingHealth(during: () => Promise<void>): Promise<Health> {
    const health: Health = { maxMs: 0, answers: 0, bad: [] };
    let running = true;
    const loop = (async () => {
      while (running) {
        const sent = performance.now();
        try {
          const res = await fetch(`${api.url}/healthz`);
          await res.text();
          if (res.status !== 200) health.bad.push(`status ${res.status}`);
        } catch (err) {
          health.bad.push(String(err));
        }
        health.maxMs = Math.max(health.maxMs, performance.now() - sent);
        health.answers += 1;
        await sleep(50);
      }
    })();
    try {
      await during();
    } finally {
      running = false;
      await loop;
    }
    if (process.env.SLUICE_TEST_LOG) console.info('bounded-work /healthz', health);
    return health;
  }

  const expectLive = ({ maxMs, answers, bad }: Health, boundMs = HEALTHZ_BOUND_MS) => {
    expect(bad).toEqual([]);
    expect(answers).toBeGreaterThan(5);
    expect(maxMs, `slowest /healthz answer ${maxMs.toFixed(0)} ms of ${answers}`).toBeLessThan(boundMs);
  };

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  const jobRow = async (jobId: string) =>
    (
      await pool.query<{ status: string; lease_expires_at: Date | null }>(
        'SELECT status, lease_expires_at FROM sluice_jobs WHERE job_id = $1',
        [jobId],
      )
    ).rows[0];

  it(
    'the API plans it (or refuses one past the caps) while /healthz keeps answering',
    { timeout: 60_000 },
    async () => {
      let longestPlanMs = 0;
      const timed = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
        const sent = performance.now();
        const res = await post(path, body, headers);
        longestPlanMs = Math.max(longestPlanMs, performance.now() - sent);
        return res;
      };
      const health = await watchingHealth(async () => {
        await sleep(200);
        const csv = await timed('/v1/csv-generator', worstCsvGeneratorBody(SEED_ENTITY), {
          prefer: 'respond-async',
        });
        expect(csv.status, JSON.stringify(await csv.clone().json())).toBe(202);
        const metric = await timed('/v1/exports', {
          source: 'metrics',
          format: 'csv',
          query: { kind: 'metric', request: worstMetricRequest('worst', SEED_ENTITY, ['entries']) },
        });
        expect(metric.status, JSON.stringify(await metric.clone().json())).toBe(202);

        const over = worstCsvGeneratorBody(SEED_ENTITY);
        over.metricRequests = over.metricRequests.slice(0, 2);
        over.csvFormat.columns = [
          over.csvFormat.columns[0]!,
          ...Array.from({ length: MAX_PLANS_PER_REQUEST + 1 }, (_, i) => ({
            heading: `o${i}`,
            metricId: `m${i % 2}`,
            fetchValue: 'entries',
            filter: { region: `r${i}` },
          })),
        ];
        const refused = await timed('/v1/csv-generator', over);
        const problem = (await refused.json()) as Json;
        expect(refused.status).toBe(400);
        expect(problem.errors).toEqual([
          { field: 'csvFormat.columns', rule: expect.stringContaining(`at most ${MAX_PLANS_PER_REQUEST}`) },
        ]);

        await sleep(200);
      });
      // A plan that held the event loop would hold /healthz for the plan's whole duration. On a loaded CI
      // machine a yielding plan can still see one slow answer (the process is descheduled), so the bound
      // is the fixed one or half the slowest plan's own time, whichever is larger.
      expectLive(health, Math.max(HEALTHZ_BOUND_MS, longestPlanMs / 2));
    },
  );

  it(
    'the worker runs it from Kafka, staying a Stable group member and renewing the lease',
    { timeout: 120_000 },
    async () => {
      const groupNow = async () => (await admin.describeGroups([TEST_WORKER_GROUP])).groups[0]!;
      for (let i = 0; (await groupNow()).state !== 'Stable'; i++) {
        if (i > 150) throw new Error(`group ${TEST_WORKER_GROUP} never became Stable`);
        await sleep(200);
      }
      const members = (await groupNow()).members.map((m) => m.memberId);
      expect(members.length).toBeGreaterThan(0);

      const requestId = randomUUID();
      const jobId = jobIdFor(workspaceId, requestId);
      const states = new Set<string>();
      const leases: number[] = [];
      let status = '';
      const health = await watchingHealth(async () => {
        await producer.send({
          topic: Topics.requests,
          messages: [
            {
              key: workspaceId,
              value: JSON.stringify({
                version: 1,
                requestId,
                workspaceId,
                requestedBy: 'boss',
                source: 'metrics',
                query: { kind: 'csv-generator', body: worstCsvGeneratorBody(SEED_ENTITY) },
                format: 'csv',
              }),
            },
          ],
        });

        for (let i = 0; !['succeeded', 'failed', 'cancelled'].includes(status); i++) {
          if (i > 1_000) throw new Error(`job ${jobId} did not finish (last status ${status})`);
          const group = await groupNow();
          states.add(group.state);
          // The same member throughout: the worker was never dropped from the group (no missed heartbeats).
          expect(group.members.map((m) => m.memberId)).toEqual(members);
          const row = await jobRow(jobId);
          status = row?.status ?? '';
          const lease = row?.lease_expires_at?.getTime();
          if (status === 'running' && lease !== undefined && lease !== leases.at(-1)) leases.push(lease);
          await sleep(100);
        }
      });

      expect(status).toBe('succeeded');
      expect([...states]).toEqual(['Stable']);
      expect(leases.length, `lease values seen: ${leases.length}`).toBeGreaterThanOrEqual(2);
      expect(leases).toEqual([...leases].sort((a, b) => a - b));
      expectLive(health);
      if (process.env.SLUICE_TEST_LOG) console.info('bounded-work lease values seen', leases.length);
    },
  );
});
