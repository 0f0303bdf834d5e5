import { rowSecurityFor, type PolicyStore, type RowSecurity } from '../security/row-policy.ts';

/** The recipient's row security, looked up once per plan and only when a unit needs it. */
export interface RecipientSecurity {
  workspaceId: string;
  recipient: string;
  get(): Promise<RowSecurity>;
  /** The same policies, answered from the one lookup: for planners that take a PolicyStore. */
  store: PolicyStore;
}

export function recipientSecurity(
  policies: PolicyStore,
  workspaceId: string,
  recipient: string,
): RecipientSecurity {
  let found: ReturnType<PolicyStore['policiesFor']> | undefined;
  const lookup = () => (found ??= policies.policiesFor(workspaceId, recipient));
  return {
    workspaceId,
    recipient,
    get: async () => ({ ...(await rowSecurityFor({ policiesFor: lookup }, workspaceId, recipient)) }),
    store: {
      policiesFor: (ws, who) =>
        ws === workspaceId && who === recipient ? lookup() : policies.policiesFor(ws, who),
    },
  };
}
