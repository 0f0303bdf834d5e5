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
];

export async function migrateIdempotencyStore(pool: pg.Pool): Promise<void> {
  await applySchemaSteps(pool, STEPS);
}
