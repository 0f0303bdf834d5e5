import type PgBoss from 'pg-boss';
import { bossDb, deterministicJobId, Queues, type SqlRunner } from './boss.ts';
import type { Schedule } from './schedule.ts';

/** The one pg-boss job that fires a schedule at its next run. */
export interface TickData {
  scheduleId: string;
  version: number;
  /** ISO instant: the run this job fires; equal to the schedule's next_run_at while it is current. */
  tick: string;
}

/**
 * Arms a schedule's next run as a delayed pg-boss job (`startAfter` = the run). Its id comes from
 * (schedule, version, run), so arming the same run twice — two processes, a restart — makes one job. Pass
 * the transaction that wrote the schedule, so the schedule and its armed tick commit together. A job left
 * from an older version or another run is not removed: when it comes due it finds the schedule moved on
 * and does nothing.
 */
export async function armTick(boss: PgBoss, db: SqlRunner, schedule: Schedule): Promise<void> {
  if (schedule.state !== 'active' || !schedule.nextRunAt) return;
  const tick = schedule.nextRunAt.toISOString();
  const data: TickData = { scheduleId: schedule.scheduleId, version: schedule.version, tick };
  await boss.send(Queues.tick, data, {
    id: deterministicJobId(schedule.scheduleId, String(schedule.version), tick),
    startAfter: schedule.nextRunAt,
    db: bossDb(db),
  });
}
