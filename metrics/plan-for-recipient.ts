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
  // A body may hold hundreds of plans, each a few ms of synchronous work, and a cached policy lookup
  // resolves without I/O: without one turn of the event loop per plan, the API answers nothing else (not
  // even /healthz) until the whole body is planned.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const security = await rowSecurityFor(context.policies, audience.workspaceId, audience.recipient);
  return resolveMetricPlan(context.catalog, request, { ...options, security });
}
