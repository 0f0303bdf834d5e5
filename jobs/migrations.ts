import type pg from 'pg';
import { applySchemaSteps } from '../core/pg-migrations.ts';

/**
 * The job store's schema, applied at start by whoever needs it first (worker or API). Each step is
 * idempotent and runs under an advisory lock, so several processes starting together do not race.
 */
const STEPS = [
  `CREATE TABLE IF NOT EXISTS sluice_jobs (
     job_id            text PRIMARY KEY,
     workspace_id      text NOT NULL,
     request_id        text NOT NULL,
     request_hash      text NOT NULL,
     request           jsonb NOT NULL,
     format            text NOT NULL,
     status            text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
     attempts          integer NOT NULL DEFAULT 0,
     lease_owner       text,
     lease_expires_at  timestamptz,
     rows              bigint NOT NULL DEFAULT 0,
     bytes             bigint NOT NULL DEFAULT 0,
     result            jsonb,
     error             jsonb,
     event_emitted_at  timestamptz,
     created_at        timestamptz NOT NULL DEFAULT now(),
     started_at        timestamptz,
     finished_at       timestamptz,
     updated_at        timestamptz NOT NULL DEFAULT now(),
     UNIQUE (workspace_id, request_id)
   )`,
  `CREATE INDEX IF NOT EXISTS sluice_jobs_workspace_status ON sluice_jobs (workspace_id, status, created_at)`,
  // A job runs only once its request event has come through Kafka (admitted), so every job is a Kafka event
  // and a broker outage delays jobs instead of bypassing the log.
  `ALTER TABLE sluice_jobs ADD COLUMN IF NOT EXISTS admitted_at timestamptz`,
  // A retriable failure puts the job back in the queue, not before this instant.
  `ALTER TABLE sluice_jobs ADD COLUMN IF NOT EXISTS not_before timestamptz`,
  // The consumer group whose workers run the job: groups sharing one database stay separate pools.
  `ALTER TABLE sluice_jobs ADD COLUMN IF NOT EXISTS worker_group text`,
  // The scheduler's working set: each workspace's head of queue and its running jobs, per group.
  `CREATE INDEX IF NOT EXISTS sluice_jobs_runnable ON sluice_jobs (worker_group, workspace_id, created_at, job_id)
     WHERE status IN ('queued', 'running')`,
  // When each workspace last had a job started: the round-robin turn among workspaces with equal load.
  `CREATE TABLE IF NOT EXISTS sluice_workspace_turns (
     workspace_id     text PRIMARY KEY,
     last_started_at  timestamptz NOT NULL
   )`,
  // The W3C traceparent of the call that asked for the job (from the request record's Kafka headers), so the
  // worker's log lines join the API's trace.
  `ALTER TABLE sluice_jobs ADD COLUMN IF NOT EXISTS traceparent text`,
  // The source's row estimate for the running attempt (a whole-table export), so progress can show % and ETA.
  `ALTER TABLE sluice_jobs ADD COLUMN IF NOT EXISTS expected_rows bigint`,
  // Who writes the job's objects: stored in their metadata, so no other job record (a replayed request, a
  // new job database) overwrites an object this one completed. Random per row, never reused.
  `ALTER TABLE sluice_jobs ADD COLUMN IF NOT EXISTS object_owner text NOT NULL DEFAULT gen_random_uuid()::text`,
  // The job's multipart uploads that are open (upload id → {key}): a takeover aborts what a dead attempt
  // left, and the orphan sweep leaves alone what a live job still owns.
  `ALTER TABLE sluice_jobs ADD COLUMN IF NOT EXISTS open_uploads jsonb NOT NULL DEFAULT '{}'::jsonb`,
];

export async function migrateJobStore(pool: pg.Pool): Promise<void> {
  await applySchemaSteps(pool, STEPS);
}
