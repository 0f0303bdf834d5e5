import type pg from 'pg';
import { applySchemaSteps } from '../core/pg-migrations.ts';

/**
 * The Idempotency-Key store's schema, kept apart from the job store's steps so either can evolve alone.
 * Applied like every sluice schema (core/pg-migrations.ts).
 */
const STEPS = [
  `CREATE TABLE IF NOT EXISTS sluice_idempotency_keys (
     workspace_id  text NOT NULL,
     key           text NOT NULL,
     fingerprint   text NOT NULL,
     state         text NOT NULL CHECK (state IN ('in_flight', 'completed')),
     lock_id       text,
     locked_at     timestamptz,
     response      jsonb,
     created_at    timestamptz NOT NULL DEFAULT now(),
     expires_at    timestamptz NOT NULL,
     PRIMARY KEY (workspace_id, key)
   )`,
  `CREATE INDEX IF NOT EXISTS sluice_idempotency_keys_expires ON sluice_idempotency_keys (expires_at)`,
  // Keys are per person, not per workspace: a colleague reusing someone's key must not replay their job.
  `ALTER TABLE sluice_idempotency_keys ADD COLUMN IF NOT EXISTS user_id text NOT NULL DEFAULT ''`,
  `DO $$ BEGIN
     IF (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'sluice_idempotency_keys_pkey')
        <> 'PRIMARY KEY (workspace_id, user_id, key)' THEN
       ALTER TABLE sluice_idempotency_keys DROP CONSTRAINT sluice_idempotency_keys_pkey,
         ADD CONSTRAINT sluice_idempotency_keys_pkey PRIMARY KEY (workspace_id, user_id, key);
     END IF;
   END $$`,
];

export async function migrateIdempotencyStore(pool: pg.Pool): Promise<void> {
  await applySchemaSteps(pool, STEPS);
}
