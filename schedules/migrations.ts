import type pg from 'pg';
import { applySchemaSteps } from '../core/pg-migrations.ts';

/**
 * Schedules, their runs, the exports each run published (one per distinct row-policy view) and the
 * delivery of each run to each recipient. The (run, recipient) key is what makes "never two mails for one
 * run to one recipient" hold whoever redelivers what.
 */
const STEPS = [
  `CREATE TABLE IF NOT EXISTS sluice_schedules (
     schedule_id   text PRIMARY KEY,
     workspace_id  text NOT NULL,
     name          text,
     created_by    text NOT NULL,
     cron          text NOT NULL,
     time_zone     text NOT NULL,
     recipients    jsonb NOT NULL,
     kind          text NOT NULL CHECK (kind IN ('export', 'report', 'csvGenerator')),
     body          jsonb NOT NULL,
     request       jsonb NOT NULL,
     state         text NOT NULL CHECK (state IN ('active', 'paused')),
     version       integer NOT NULL DEFAULT 1,
     next_run_at   timestamptz,
     last_run_at   timestamptz,
     created_at    timestamptz NOT NULL DEFAULT now(),
     updated_at    timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX IF NOT EXISTS sluice_schedules_workspace ON sluice_schedules (workspace_id, created_at)`,
  `CREATE TABLE IF NOT EXISTS sluice_schedule_runs (
     run_id         text PRIMARY KEY,
     schedule_id    text NOT NULL REFERENCES sluice_schedules (schedule_id) ON DELETE CASCADE,
     workspace_id   text NOT NULL,
     scheduled_for  timestamptz NOT NULL,
     fired_at       timestamptz NOT NULL DEFAULT now(),
     fired_by       text NOT NULL,
     UNIQUE (schedule_id, scheduled_for)
   )`,
  `CREATE TABLE IF NOT EXISTS sluice_schedule_run_exports (
     run_id      text NOT NULL REFERENCES sluice_schedule_runs (run_id) ON DELETE CASCADE,
     view_key    text NOT NULL,
     job_id      text NOT NULL,
     recipients  jsonb NOT NULL,
     PRIMARY KEY (run_id, view_key)
   )`,
  `CREATE INDEX IF NOT EXISTS sluice_schedule_run_exports_job ON sluice_schedule_run_exports (job_id)`,
  `CREATE TABLE IF NOT EXISTS sluice_schedule_deliveries (
     run_id      text NOT NULL REFERENCES sluice_schedule_runs (run_id) ON DELETE CASCADE,
     recipient   text NOT NULL,
     kind        text NOT NULL CHECK (kind IN ('export', 'notice')),
     job_id      text,
     state       text NOT NULL CHECK (state IN ('waiting', 'sending', 'sent', 'failed')),
     mail        text CHECK (mail IN ('link', 'attachment', 'failure', 'notice')),
     attempts    integer NOT NULL DEFAULT 0,
     last_error  text,
     message_id  text,
     sent_at     timestamptz,
     updated_at  timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (run_id, recipient)
   )`,
  // The export's outcome event, as the delivery consumer received it (what the mail is composed from).
  `ALTER TABLE sluice_schedule_deliveries ADD COLUMN IF NOT EXISTS outcome jsonb`,
  `CREATE INDEX IF NOT EXISTS sluice_schedule_deliveries_job ON sluice_schedule_deliveries (job_id)`,
];

export async function migrateSchedules(pool: pg.Pool): Promise<void> {
  await applySchemaSteps(pool, STEPS);
}
