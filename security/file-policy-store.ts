import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SluiceError } from '../core/errors.ts';
import { GroupMembershipSchema, RowPolicySchema, type PolicyStore, type RowPolicy } from './row-policy.ts';

export const PolicyFileSchema = z.strictObject({
  groups: z.array(GroupMembershipSchema),
  policies: z.array(RowPolicySchema),
});

export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** Policies from a JSON file (or object): the embedded default, and the demo's. Read once, at start. */
export function createFilePolicyStore(source: string | URL | unknown): PolicyStore {
  const raw =
    typeof source === 'string' || source instanceof URL ? JSON.parse(readFileSync(source, 'utf8')) : source;
  const parsed = PolicyFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `row policies: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const { groups, policies } = parsed.data;
  return {
    async policiesFor(workspaceId: string, recipient: string): Promise<RowPolicy[]> {
      const memberOf = new Set(
        groups
          .filter((g) => g.workspaceId === workspaceId && g.members.includes(recipient))
          .map((g) => g.group),
      );
      return policies.filter(
        (p) =>
          p.workspaceId === workspaceId &&
          (p.subject.kind === 'user' ? p.subject.name === recipient : memberOf.has(p.subject.name)),
      );
    },
  };
}

export function loadDemoPolicies(): PolicyStore {
  return createFilePolicyStore(new URL('../catalog/demo/rls-policies.json', import.meta.url));
}
