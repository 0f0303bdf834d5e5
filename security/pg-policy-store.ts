import type pg from 'pg';
import { RowPolicySchema, type PolicyStore, type RowPolicy } from './row-policy.ts';

export interface PgPolicyStore extends PolicyStore {
  putPolicy(policy: RowPolicy): Promise<void>;
  /** Resolves false when the workspace has no such policy. */
  deletePolicy(workspaceId: string, policyId: string): Promise<boolean>;
  addMember(workspaceId: string, group: string, member: string): Promise<void>;
  /** Resolves false when the user was not in the group. */
  removeMember(workspaceId: string, group: string, member: string): Promise<boolean>;
  /** Every policy of a workspace, by id (for operators; a recipient's own come from policiesFor). */
  listPolicies(workspaceId: string): Promise<RowPolicy[]>;
  /** Every group of a workspace with its members. */
  listGroups(workspaceId: string): Promise<{ group: string; members: string[] }[]>;
}

interface PolicyRow {
  policy_id: string;
  subject_kind: 'user' | 'group';
  subject_name: string;
  allow: unknown;
}

function policyOf(workspaceId: string, row: PolicyRow): unknown {
  return {
    workspaceId,
    policyId: row.policy_id,
    subject: { kind: row.subject_kind, name: row.subject_name },
    allow: row.allow,
  };
}

/** Policies in PostgreSQL (security/migrations.ts), shared by every API and worker process. */
export function createPgPolicyStore(pool: pg.Pool): PgPolicyStore {
  return {
    async policiesFor(workspaceId, recipient) {
      const { rows } = await pool.query<PolicyRow>(
        `SELECT policy_id, subject_kind, subject_name, allow
           FROM sluice_row_policies p
          WHERE p.workspace_id = $1
            AND ((p.subject_kind = 'user' AND p.subject_name = $2)
              OR (p.subject_kind = 'group' AND p.subject_name IN (
                    SELECT group_name FROM sluice_group_members WHERE workspace_id = $1 AND member = $2)))
          ORDER BY policy_id`,
        [workspaceId, recipient],
      );
      // A row that does not parse grants nothing: failing closed beats guessing what it meant.
      return rows.flatMap((row) => {
        const parsed = RowPolicySchema.safeParse(policyOf(workspaceId, row));
        return parsed.success ? [parsed.data] : [];
      });
    },

    async listPolicies(workspaceId) {
      const { rows } = await pool.query<PolicyRow>(
        `SELECT policy_id, subject_kind, subject_name, allow FROM sluice_row_policies
          WHERE workspace_id = $1 ORDER BY policy_id`,
        [workspaceId],
      );
      // Operators see every row as stored; one that does not parse is an error to fix, not to hide.
      return rows.map((row) => RowPolicySchema.parse(policyOf(workspaceId, row)));
    },

    async listGroups(workspaceId) {
      const { rows } = await pool.query<{ group_name: string; members: string[] }>(
        `SELECT group_name, array_agg(member ORDER BY member) AS members FROM sluice_group_members
          WHERE workspace_id = $1 GROUP BY group_name ORDER BY group_name`,
        [workspaceId],
      );
      return rows.map((r) => ({ group: r.group_name, members: r.members }));
    },

    async putPolicy(policy) {
      const p = RowPolicySchema.parse(policy);
      await pool.query(
        `INSERT INTO sluice_row_policies (workspace_id, policy_id, subject_kind, subject_name, allow)
         VALUES ($1, $2, $3, $4, $5::jsonb)
         ON CONFLICT (workspace_id, policy_id)
         DO UPDATE SET subject_kind = EXCLUDED.subject_kind, subject_name = EXCLUDED.subject_name,
                       allow = EXCLUDED.allow`,
        [p.workspaceId, p.policyId, p.subject.kind, p.subject.name, JSON.stringify(p.allow)],
      );
    },

    async deletePolicy(workspaceId, policyId) {
      const { rowCount } = await pool.query(
        'DELETE FROM sluice_row_policies WHERE workspace_id = $1 AND policy_id = $2',
        [workspaceId, policyId],
      );
      return (rowCount ?? 0) > 0;
    },

    async addMember(workspaceId, group, member) {
      await pool.query(
        `INSERT INTO sluice_group_members (workspace_id, group_name, member) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING`,
        [workspaceId, group, member],
      );
    },

    async removeMember(workspaceId, group, member) {
      const { rowCount } = await pool.query(
        'DELETE FROM sluice_group_members WHERE workspace_id = $1 AND group_name = $2 AND member = $3',
        [workspaceId, group, member],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}
