import { createHash } from 'node:crypto';
import type pg from 'pg';
import PgBoss from 'pg-boss';

/** pg-boss queues sluice uses: one armed tick per active schedule, and one mail per (run, recipient). */
export const Queues = {
  tick: 'sluice-schedule-tick',
  mail: 'sluice-mail',
} as const;

/** Something that runs SQL: a pool, or one transaction's client (to arm a tick in the same commit). */
export type SqlRunner = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** pg-boss's `db` option: its statements run through our pool or our transaction's client. */
export function bossDb(runner: SqlRunner): PgBoss.Db {
  return {
    executeSql: async (text: string, values?: unknown[]) => runner.query(text, values),
  } as PgBoss.Db;
}

/**
 * A pg-boss job id derived from `parts`: the same tick or the same mail always gets the same id, and
 * pg-boss inserts jobs with ON CONFLICT DO NOTHING, so two processes arming one tick make one job.
 */
export function deterministicJobId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface BossOptions {
  /** Runs the job handlers (scheduler, delivery); an API only sends. */
  supervise: boolean;
}

/**
 * pg-boss on sluice's own pool (its tables in schema `pgboss`). Its own cron (`boss.schedule`) is off:
 * it drops ticks missed while every process was down and holds one schedule per queue, so sluice arms
 * each schedule's next tick as a delayed job instead (see schedules/arm-tick.ts).
 */
export async function startBoss(pool: pg.Pool, { supervise }: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    db: bossDb(pool),
    schedule: false,
    supervise,
    migrate: true,
  });
  await boss.start();
  await boss.createQueue(Queues.tick, {
    name: Queues.tick,
    retryLimit: 10,
    retryDelay: 5,
    retryBackoff: true,
  });
  await boss.createQueue(Queues.mail, {
    name: Queues.mail,
    retryLimit: 8,
    retryDelay: 5,
    retryBackoff: true,
  });
  return boss;
}
