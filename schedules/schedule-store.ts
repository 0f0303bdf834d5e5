import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Schedule, ScheduleKind, ScheduledRequest, ScheduleState } from './schedule.ts';
import type { SqlRunner } from './boss.ts';

interface ScheduleRow {
  schedule_id: string;
  workspace_id: string;
  name: string | null;
  created_by: string;
  cron: string;
  time_zone: string;
  recipients: string[];
  kind: ScheduleKind;
  body: unknown;
  request: ScheduledRequest;
  state: ScheduleState;
  version: number;
  next_run_at: Date | null;
  last_run_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function scheduleOf(row: ScheduleRow): Schedule {
  return {
    scheduleId: row.schedule_id,
    workspaceId: row.workspace_id,
    name: row.name,
    createdBy: row.created_by,
    cron: row.cron,
    timeZone: row.time_zone,
    recipients: row.recipients,
    kind: row.kind,
    body: row.body,
    request: row.request,
    state: row.state,
    version: row.version,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function newScheduleId(): string {
  return `sch_${randomBytes(12).toString('hex')}`;
}

export type NewSchedule = Omit<Schedule, 'version' | 'lastRunAt' | 'createdAt' | 'updatedAt'>;

export async function insertSchedule(db: SqlRunner, s: NewSchedule): Promise<Schedule> {
  const { rows } = await db.query<ScheduleRow>(
    `INSERT INTO sluice_schedules (schedule_id, workspace_id, name, created_by, cron, time_zone, recipients,
                                   kind, body, request, state, next_run_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
    [
      s.scheduleId,
      s.workspaceId,
      s.name,
      s.createdBy,
      s.cron,
      s.timeZone,
      JSON.stringify(s.recipients),
      s.kind,
      JSON.stringify(s.body),
      JSON.stringify(s.request),
      s.state,
      s.nextRunAt,
    ],
  );
  return scheduleOf(rows[0]!);
}

/** One schedule of a workspace; `forUpdate` locks it for the rest of the caller's transaction. */
export async function getSchedule(
  db: SqlRunner,
  workspaceId: string | undefined,
  scheduleId: string,
  forUpdate = false,
): Promise<Schedule | undefined> {
  const { rows } = await db.query<ScheduleRow>(
    `SELECT * FROM sluice_schedules WHERE schedule_id = $1 AND ($2::text IS NULL OR workspace_id = $2)
     ${forUpdate ? 'FOR UPDATE' : ''}`,
    [scheduleId, workspaceId ?? null],
  );
  return rows[0] ? scheduleOf(rows[0]) : undefined;
}

export async function listSchedules(db: SqlRunner, workspaceId: string): Promise<Schedule[]> {
  const { rows } = await db.query<ScheduleRow>(
    `SELECT * FROM sluice_schedules WHERE workspace_id = $1 ORDER BY created_at, schedule_id`,
    [workspaceId],
  );
  return rows.map(scheduleOf);
}

/** Every active schedule: the scheduler re-arms their ticks at start. */
export async function listActiveSchedules(db: SqlRunner): Promise<Schedule[]> {
  const { rows } = await db.query<ScheduleRow>(`SELECT * FROM sluice_schedules WHERE state = 'active'`);
  return rows.map(scheduleOf);
}

/** Writes a changed schedule back, bumping its version so any tick armed before is stale. */
export async function updateSchedule(db: SqlRunner, s: Schedule): Promise<Schedule> {
  const { rows } = await db.query<ScheduleRow>(
    `UPDATE sluice_schedules
        SET name = $2, cron = $3, time_zone = $4, recipients = $5, kind = $6, body = $7, request = $8,
            state = $9, next_run_at = $10, version = version + 1, updated_at = now()
      WHERE schedule_id = $1 RETURNING *`,
    [
      s.scheduleId,
      s.name,
      s.cron,
      s.timeZone,
      JSON.stringify(s.recipients),
      s.kind,
      JSON.stringify(s.body),
      JSON.stringify(s.request),
      s.state,
      s.nextRunAt,
    ],
  );
  return scheduleOf(rows[0]!);
}

export async function deleteSchedule(
  db: SqlRunner,
  workspaceId: string,
  scheduleId: string,
): Promise<boolean> {
  const r = await db.query(`DELETE FROM sluice_schedules WHERE schedule_id = $1 AND workspace_id = $2`, [
    scheduleId,
    workspaceId,
  ]);
  return (r.rowCount ?? 0) > 0;
}

export interface RunView {
  runId: string;
  scheduledFor: Date;
  firedAt: Date;
  firedBy: string;
  exports: { jobId: string; status: string | null; recipients: string[]; error: unknown }[];
  deliveries: {
    recipient: string;
    kind: 'export' | 'notice';
    jobId: string | null;
    state: string;
    mail: string | null;
    attempts: number;
    lastError: string | null;
    sentAt: Date | null;
  }[];
}

/** A schedule's runs, newest first, each with its exports' job states and per-recipient delivery. */
export async function listRuns(pool: pg.Pool, scheduleId: string, limit = 50): Promise<RunView[]> {
  const { rows } = await pool.query<{
    run_id: string;
    scheduled_for: Date;
    fired_at: Date;
    fired_by: string;
    exports: { job_id: string; status: string | null; recipients: string[]; error: unknown }[] | null;
    deliveries:
      | {
          recipient: string;
          kind: 'export' | 'notice';
          job_id: string | null;
          state: string;
          mail: string | null;
          attempts: number;
          last_error: string | null;
          sent_at: string | null;
        }[]
      | null;
  }>(
    `SELECT r.run_id, r.scheduled_for, r.fired_at, r.fired_by,
            (SELECT json_agg(json_build_object('job_id', e.job_id, 'status', j.status, 'recipients', e.recipients,
                                               'error', j.error) ORDER BY e.view_key)
               FROM sluice_schedule_run_exports e LEFT JOIN sluice_jobs j ON j.job_id = e.job_id
              WHERE e.run_id = r.run_id) AS exports,
            (SELECT json_agg(row_to_json(d) ORDER BY d.recipient)
               FROM sluice_schedule_deliveries d WHERE d.run_id = r.run_id) AS deliveries
       FROM sluice_schedule_runs r WHERE r.schedule_id = $1
      ORDER BY r.scheduled_for DESC LIMIT $2`,
    [scheduleId, limit],
  );
  return rows.map((r) => ({
    runId: r.run_id,
    scheduledFor: r.scheduled_for,
    firedAt: r.fired_at,
    firedBy: r.fired_by,
    exports: (r.exports ?? []).map((e) => ({
      jobId: e.job_id,
      status: e.status,
      recipients: e.recipients,
      error: e.error,
    })),
    deliveries: (r.deliveries ?? []).map((d) => ({
      recipient: d.recipient,
      kind: d.kind,
      jobId: d.job_id,
      state: d.state,
      mail: d.mail,
      attempts: d.attempts,
      lastError: d.last_error,
      sentAt: d.sent_at ? new Date(d.sent_at) : null,
    })),
  }));
}
