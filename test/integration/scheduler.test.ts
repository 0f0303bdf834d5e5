import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';
import { migrateOutbox } from '../../producers/outbox/migrations.ts';
import { createSchedule, type ScheduleAdminDeps } from '../../producers/http/schedules.ts';
import { startBoss } from '../../schedules/boss.ts';
import { migrateSchedules } from '../../schedules/migrations.ts';
import { getSchedule } from '../../schedules/schedule-store.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { OPEN_GRANT } from '../../security/source-grants.ts';
import { SourceRegistry } from '../../dialects/source-registry.ts';
import { createSourceCatalog } from '../../planning/source-catalog.ts';
import { loadDemoCatalog } from '../../catalog/catalog.ts';
import { spawnRole, type RoleProcess } from '../support/role-process.ts';

/** Local wall clock of an instant in a zone, as cron fields. */
function localFields(d: Date, timeZone: string): { minute: number; hour: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' })
      .formatToParts(d)
      .map((p) => [p.type, Number(p.value)]),
  );
  return { minute: parts.minute!, hour: parts.hour! };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

// Two real `sluice scheduler` processes against the real PostgreSQL (pg-boss) and Kafka.
describe('scheduler: two processes, real ticks', () => {
  const run = randomUUID().slice(0, 8);
  const ws = `sched-${run}`;
  const identity: TokenIdentity = {
    tokenId: 't',
    workspaceId: ws,
    userId: 'ana@x.example',
    kind: 'api',
    role: 'member',
  };
  const exportBody = {
    source: 'pg',
    query: { kind: 'table', table: `sched_t_${run}` },
    format: 'csv',
  };
  let pool: pg.Pool;
  let boss: PgBoss;
  let admin: ScheduleAdminDeps;
  let registry: SourceRegistry;
  const schedulers: RoleProcess[] = [];
  let missedId: string;
  let missedArmedFor: Date;

  const runsOf = async (scheduleId: string) =>
    (
      await pool.query<{ run_id: string; scheduled_for: Date; fired_by: string; jobs: string[] }>(
        `SELECT r.run_id, r.scheduled_for, r.fired_by,
                (SELECT array_agg(e.job_id) FROM sluice_schedule_run_exports e WHERE e.run_id = r.run_id) AS jobs
           FROM sluice_schedule_runs r WHERE r.schedule_id = $1 ORDER BY r.scheduled_for`,
        [scheduleId],
      )
    ).rows;

  beforeAll(async () => {
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 4 });
    await migrateJobStore(pool);
    await migrateOutbox(pool);
    await migrateRowPolicies(pool);
    await migrateSchedules(pool);
    boss = await startBoss(pool, { supervise: false });
    await pool.query(`CREATE TABLE IF NOT EXISTS sched_t_${run} (id int primary key)`);
    // Both recipients see every row: one view, one export per run.
    for (const name of ['a@x.example', 'b@x.example'])
      await createPgPolicyStore(pool).putPolicy({
        workspaceId: ws,
        policyId: `all-${name}`,
        subject: { kind: 'user', name },
        allow: 'all',
      });
    const configs = [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }];
    registry = new SourceRegistry(configs);
    admin = {
      pool,
      boss,
      planning: {
        catalog: loadDemoCatalog(),
        policies: createPgPolicyStore(pool),
        sources: createSourceCatalog(registry, configs),
      },
    };

    // Everything is down: a five-minutely schedule whose next run came and went 6–10 minutes ago (the state
    // an outage leaves behind: its armed tick is overdue, and ticks after it were never armed).
    const missed = await createSchedule(
      { ...admin, now: () => new Date(Date.now() - 10 * 60_000) },
      identity,
      {
        name: 'missed',
        cron: '*/5 * * * *',
        timeZone: 'Asia/Kolkata',
        recipients: ['a@x.example'],
        export: exportBody,
      },
    );
    missedId = missed.scheduleId;
    missedArmedFor = missed.nextRunAt!;
    expect(missedArmedFor.getTime()).toBeLessThan(Date.now() - 5 * 60_000);

    const env = {
      DATABASE_URL: infra.DATABASE_URL,
      KAFKA_BROKERS: infra.KAFKA_BROKERS,
      SLUICE_SCHEDULER_POLL_SECONDS: '1',
      SLUICE_LOG_LEVEL: 'debug',
    };
    // Recovery: two schedulers come up at once.
    schedulers.push(
      ...(await Promise.all([
        spawnRole('scheduler', env, /scheduler\.started/),
        spawnRole('scheduler', env, /scheduler\.started/),
      ])),
    );
  });

  afterAll(async () => {
    // Per-minute schedules would keep firing for any scheduler that runs on this database later.
    await pool?.query(`DELETE FROM sluice_schedules WHERE workspace_id = $1`, [ws]);
    await Promise.all(schedulers.map((s) => s.stop()));
    await boss?.stop({ graceful: false, close: false });
    await registry?.closeAll();
    await pool?.query(`DROP TABLE IF EXISTS sched_t_${run}`);
    await pool?.end();
  });

  it('a run missed while everything was down fires once on recovery, and the next run is in the future', async () => {
    const runs = await waitFor(
      'the missed run',
      async () => ((await runsOf(missedId)).length > 0 ? true : undefined),
      30_000,
    );
    expect(runs).toBe(true);
    await sleep(4_000); // both schedulers have polled several times since
    const after = await runsOf(missedId);
    expect(after).toHaveLength(1);
    expect(after[0]!.scheduled_for.toISOString()).toBe(missedArmedFor.toISOString());
    expect(after[0]!.jobs).toHaveLength(1);
    const s = await getSchedule(pool, ws, missedId);
    expect(s!.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(s!.nextRunAt!.getTime() - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(s!.nextRunAt!.getUTCMinutes() % 5).toBe(0);
  });

  it('per-minute and zone-local schedules fire exactly once per tick with two schedulers running', async () => {
    const perMinute = await createSchedule(admin, identity, {
      cron: '* * * * *',
      timeZone: 'Asia/Kolkata',
      recipients: ['a@x.example', 'b@x.example'],
      export: exportBody,
    });
    // "M H * * *" at the local wall-clock time two minutes from now: fires then only if the zone is applied
    // (Kolkata is UTC+5:30, Berlin UTC+1: read as UTC, both would be hours away).
    const target = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 2 * 60_000);
    const zoned = [];
    for (const timeZone of ['Asia/Kolkata', 'Europe/Berlin', 'America/New_York']) {
      const { minute, hour } = localFields(target, timeZone);
      zoned.push(
        await createSchedule(admin, identity, {
          cron: `${minute} ${hour} * * *`,
          timeZone,
          recipients: ['a@x.example'],
          export: exportBody,
        }),
      );
    }
    for (const z of zoned) expect(z.nextRunAt!.toISOString()).toBe(target.toISOString());

    await waitFor(
      'two per-minute runs',
      async () => ((await runsOf(perMinute.scheduleId)).length >= 2 ? true : undefined),
      150_000,
    );
    for (const z of zoned)
      await waitFor(
        'the zoned run',
        async () => ((await runsOf(z.scheduleId)).length >= 1 ? true : undefined),
        60_000,
      );
    await sleep(3_000);

    const runs = await runsOf(perMinute.scheduleId);
    const ticks = runs.map((r) => r.scheduled_for.getTime());
    // One run per minute boundary, consecutive, none twice.
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const t of ticks) expect(t % 60_000).toBe(0);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(60_000);
    // One export per run (both recipients see the same rows), and nothing else published.
    for (const r of runs) expect(r.jobs).toHaveLength(1);
    const { rows: jobs } = await pool.query(
      `SELECT job_id, status, request FROM sluice_jobs WHERE workspace_id = $1 AND request_id LIKE $2`,
      [ws, `schedule-${perMinute.scheduleId}-%`],
    );
    expect(jobs).toHaveLength(runs.length);
    expect(jobs.every((j) => j.request.requestedBy === 'ana@x.example')).toBe(true);
    expect(jobs.every((j) => j.request.urlTtlSeconds === 604_800)).toBe(true);
    // Published through the outbox to the request topic, like any export.
    await waitFor(
      'the relay to publish',
      async () => {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM sluice_outbox WHERE job_id = ANY($1) AND published_at IS NOT NULL`,
          [jobs.map((j) => j.job_id)],
        );
        return rows[0].n === jobs.length ? true : undefined;
      },
      30_000,
    );
    for (const z of zoned) {
      const zr = await runsOf(z.scheduleId);
      expect(zr).toHaveLength(1);
      expect(zr[0]!.scheduled_for.toISOString()).toBe(target.toISOString());
    }
    // Both processes took part in the firing at some point or the other was idle; either way one run per tick.
    const firedBy = new Set(
      (await pool.query(`SELECT fired_by FROM sluice_schedule_runs WHERE workspace_id = $1`, [ws])).rows.map(
        (r) => r.fired_by,
      ),
    );
    expect(firedBy.size).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
