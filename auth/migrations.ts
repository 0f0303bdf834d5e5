import type pg from 'pg';
import { applySchemaSteps } from '../core/pg-migrations.ts';

/**
 * The API's auth schema: workspace tokens and the rate-limit buckets several API processes share. Applied
 * at start by whichever process needs it first; each step is idempotent and runs under an advisory lock
 * (the same pattern as jobs/migrations.ts), so processes starting together do not race on CREATE.
 */
const STEPS = [
  `CREATE TABLE IF NOT EXISTS sluice_tokens (
     id            text PRIMARY KEY,
     workspace_id  text NOT NULL,
     user_id       text NOT NULL,
     kind          text NOT NULL CHECK (kind IN ('interactive', 'api')),
     token_hash    bytea NOT NULL UNIQUE,
     token_prefix  text NOT NULL,
     created_at    timestamptz NOT NULL DEFAULT now(),
     expires_at    timestamptz,
     revoked_at    timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS sluice_tokens_workspace ON sluice_tokens (workspace_id, created_at)`,
  // member: sees the jobs it requested or receives; admin: every job of its workspace.
  `ALTER TABLE sluice_tokens ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT 'member'
     CHECK (role IN ('member', 'admin'))`,
  // tokens is fractional: a refused check still banks the partial refill since updated_at.
  `CREATE TABLE IF NOT EXISTS sluice_rate_buckets (
     bucket_key    text PRIMARY KEY,
     tokens        double precision NOT NULL,
     last_allowed  boolean NOT NULL,
     updated_at    timestamptz NOT NULL
   )`,
];

export async function migrateAuthStore(pool: pg.Pool): Promise<void> {
  await applySchemaSteps(pool, STEPS);
}
