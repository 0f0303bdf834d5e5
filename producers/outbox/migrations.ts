import type pg from 'pg';
import { applySchemaSteps } from '../../core/pg-migrations.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';

/**
 * The outbox's schema. An outbox row is written in the same transaction as its job row, so the job table
 * must exist first: the job store's migrations run before ours (see core/pg-migrations.ts).
 */
const STEPS = [
  `CREATE TABLE IF NOT EXISTS sluice_outbox (
     id               bigserial PRIMARY KEY,
     topic            text NOT NULL,
     key              text,
     -- text, not jsonb: the record's bytes are published exactly as they were written
     value            text NOT NULL,
     headers          jsonb NOT NULL DEFAULT '{}'::jsonb,
     job_id           text,
     created_at       timestamptz NOT NULL DEFAULT now(),
     published_at     timestamptz,
     attempts         integer NOT NULL DEFAULT 0,
     last_error       text,
     last_attempt_at  timestamptz
   )`,
  // The relay only ever scans pending rows in id order; published rows stay out of its index.
  `CREATE INDEX IF NOT EXISTS sluice_outbox_pending ON sluice_outbox (id) WHERE published_at IS NULL`,
  `CREATE INDEX IF NOT EXISTS sluice_outbox_job ON sluice_outbox (job_id)`,
];

export async function migrateOutbox(pool: pg.Pool): Promise<void> {
  await migrateJobStore(pool);
  await applySchemaSteps(pool, STEPS);
}
