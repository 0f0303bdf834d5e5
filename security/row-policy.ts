import { z } from 'zod';

/**
 * Row-level security as data: a policy grants a user or a group the rows whose dimensions match `allow`
 * (every listed dimension's value in its list), or `"all"` rows. A recipient sees the union of what their
 * policies grant; with none, nothing (deny by default).
 */
const dimension = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: 'a dimension name: a-z 0-9 _' });

export const AllowSchema = z.union([
  z.literal('all'),
  z.record(dimension, z.array(z.string().max(500)).max(10_000)),
]);

export const RowPolicySchema = z.strictObject({
  workspaceId: z.string().min(1).max(64),
  policyId: z.string().min(1).max(200),
  subject: z.strictObject({ kind: z.enum(['user', 'group']), name: z.string().min(1).max(200) }),
  allow: AllowSchema,
});

export const GroupMembershipSchema = z.strictObject({
  workspaceId: z.string().min(1).max(64),
  group: z.string().min(1).max(200),
  members: z.array(z.string().min(1).max(200)),
});

export type Allow = z.infer<typeof AllowSchema>;
export type RowPolicy = z.infer<typeof RowPolicySchema>;
export type GroupMembership = z.infer<typeof GroupMembershipSchema>;

/** Where policies live: a PostgreSQL table in production, a JSON file for the embedded default. */
export interface PolicyStore {
  /** The policies that apply to `recipient` in `workspaceId`: their own and their groups'. */
  policiesFor(workspaceId: string, recipient: string): Promise<RowPolicy[]>;
}

/**
 * What a compiled plan carries: whose rows these are and what their policies grant. Built from the
 * recipient of an export, never from whoever asked for it (a scheduled export's recipient sees what they
 * would see live).
 */
export interface RowSecurity {
  workspaceId: string;
  recipient: string;
  grants: Allow[];
}

export async function rowSecurityFor(
  store: PolicyStore,
  workspaceId: string,
  recipient: string,
): Promise<RowSecurity> {
  const policies = await store.policiesFor(workspaceId, recipient);
  return { workspaceId, recipient, grants: policies.map((p) => p.allow) };
}

/** Grants all rows: for trusted internal callers and tests that are not about security. */
export function unrestricted(workspaceId: string, recipient: string): RowSecurity {
  return { workspaceId, recipient, grants: ['all'] };
}
