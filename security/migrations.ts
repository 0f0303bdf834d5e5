import type pg from 'pg';
import { applySchemaSteps } from '../core/pg-migrations.ts';

/**
 * Row-level security policies and group memberships, per workspace. `allow` is the policy's JSON
 * (`"all"` or dimension → values), checked by RowPolicySchema when read, so a hand-edited row that does
 * not parse denies rather than grants.
 */
const STEPS = [
  `CREATE TABLE IF NOT EXISTS sluice_row_policies (
     workspace_id  text NOT NULL,
     policy_id     text NOT NULL,
     subject_kind  text NOT NULL CHECK (subject_kind IN ('user', 'group')),
     subject_name  text NOT NULL,
     allow         jsonb NOT NULL,
     created_at    timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (workspace_id, policy_id)
   )`,
  `CREATE INDEX IF NOT EXISTS sluice_row_policies_subject
     ON sluice_row_policies (workspace_id, subject_kind, subject_name)`,
  `CREATE TABLE IF NOT EXISTS sluice_group_members (
     workspace_id  text NOT NULL,
     group_name    text NOT NULL,
     member        text NOT NULL,
     PRIMARY KEY (workspace_id, member, group_name)
   )`,
];

export async function migrateRowPolicies(pool: pg.Pool): Promise<void> {
  await applySchemaSteps(pool, STEPS);
}
