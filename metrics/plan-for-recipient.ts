import type { Catalog } from '../catalog/catalog.ts';
import type { MetricRequest } from '../schemas/metric-request.ts';
import { rowSecurityFor, type PolicyStore } from '../security/row-policy.ts';
import type { MetricPlan } from './plan.ts';
import { resolveMetricPlan, type PlanOptions } from './resolve-plan.ts';

/** Who the rows are for: the export's recipient (a scheduled export's addressee), never its requester. */
export interface Audience {
  workspaceId: string;
  recipient: string;
}

export interface PlanningContext {
  catalog: Catalog;
  policies: PolicyStore;
  /** Throws once planning has run out of time; called before each plan, i.e. between a body's units. */
  checkpoint?: () => void;
}

/** The one way callers should build plans: the recipient's policies are looked up and compiled in. */
export async function planForRecipient(
  context: PlanningContext,
  audience: Audience,
  request: MetricRequest,
  options: Omit<PlanOptions, 'security'> = {},
): Promise<MetricPlan> {
  context.checkpoint?.();
  const security = await rowSecurityFor(context.policies, audience.workspaceId, audience.recipient);
  return resolveMetricPlan(context.catalog, request, { ...options, security });
}
