import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_LOCATIONS } from '../../demo/metrics-data.ts';
import { planForRecipient, type PlanningContext } from '../../metrics/plan-for-recipient.ts';
import { streamMetricPlan } from '../../metrics/run-plan.ts';
import { loadDemoPolicies } from '../../security/file-policy-store.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore, type PgPolicyStore } from '../../security/pg-policy-store.ts';
import type { MetricRequest } from '../../schemas/metric-request.ts';
import { readAll, startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';

// Policies live in sluice's own PostgreSQL tables; each run uses a workspace of its own.
const workspace = `rls-${process.pid}-${Date.now()}`;
let engines: MetricEngines;
let pool: pg.Pool;
let store: PgPolicyStore;
let context: PlanningContext;

const ALL_LOCATIONS = DEMO_LOCATIONS.map((l) => l.id);
const NORTH = DEMO_LOCATIONS.filter((l) => l.region === 'North').map((l) => l.id);
const request: MetricRequest = {
  start: '2024-04-01T00:00:00.000Z',
  end: '2024-04-07T23:59:59.000Z',
  entities: ALL_LOCATIONS,
  entityType: 'location',
  aggregationPeriod: 'week',
  measures: ['entries'],
};

beforeAll(async () => {
  engines = await startMetricEngines(inject('infra'), ['postgres']);
  pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 2 });
  await migrateRowPolicies(pool);
  store = createPgPolicyStore(pool);
  await store.putPolicy({
    workspaceId: workspace,
    policyId: 'north',
    subject: { kind: 'group', name: 'north-managers' },
    allow: { region: ['North'] },
  });
  await store.addMember(workspace, 'north-managers', 'ana@acme.example');
  await store.putPolicy({
    workspaceId: workspace,
    policyId: 'bob',
    subject: { kind: 'user', name: 'bob@acme.example' },
    allow: { entity: [DEMO_LOCATIONS[4]!.id] },
  });
  await store.putPolicy({
    workspaceId: workspace,
    policyId: 'ceo',
    subject: { kind: 'user', name: 'ceo@acme.example' },
    allow: 'all',
  });
  context = { catalog: engines.engines[0]!.catalog, policies: store };
});

afterAll(async () => {
  await pool?.query('DELETE FROM sluice_row_policies WHERE workspace_id = $1', [workspace]);
  await pool?.query('DELETE FROM sluice_group_members WHERE workspace_id = $1', [workspace]);
  await pool?.end();
  await engines?.close();
});

async function entitiesSeenBy(
  recipient: string,
  req: MetricRequest = request,
  filters?: Record<string, string | string[]>,
): Promise<string[]> {
  const plan = await planForRecipient(context, { workspaceId: workspace, recipient }, req, {
    groupBy: ['entity'],
    ...(filters ? { filters } : {}),
  });
  const rows = await readAll((await streamMetricPlan(engines.engines[0]!.source, plan)).batches);
  return [...new Set(rows.map((r) => r[1] as string))].sort();
}

describe('row-level security from PostgreSQL policies, on real PostgreSQL', () => {
  it('two recipients of the same request get different rows', async () => {
    expect(await entitiesSeenBy('ana@acme.example')).toEqual(NORTH);
    expect(await entitiesSeenBy('bob@acme.example')).toEqual([DEMO_LOCATIONS[4]!.id]);
    expect(await entitiesSeenBy('ceo@acme.example')).toEqual(ALL_LOCATIONS);
  });

  it('no policy means no rows, not an error', async () => {
    expect(await entitiesSeenBy('stranger@acme.example')).toEqual([]);
    // Another workspace's policies do not leak in.
    const other = await planForRecipient(
      context,
      { workspaceId: 'elsewhere', recipient: 'ceo@acme.example' },
      request,
    );
    expect(other.security.grants).toEqual([]);
  });

  it('the request’s own filters narrow, never widen', async () => {
    // Asking for a South region as a North manager: the ANDed policy leaves nothing.
    expect(await entitiesSeenBy('ana@acme.example', request, { region: 'South' })).toEqual([]);
    expect(await entitiesSeenBy('ana@acme.example', request, { region: ['North', 'South'] })).toEqual(NORTH);
    expect(await entitiesSeenBy('ana@acme.example', { ...request, entities: [NORTH[0]!] })).toEqual([
      NORTH[0],
    ]);
  });

  it('crafted values (OR-injection) in filters, entities and policies stay values', async () => {
    const crafted = ["North' OR '1'='1", "x') OR 1=1 --", 'North" OR "1"="1'];
    expect(await entitiesSeenBy('ana@acme.example', request, { region: crafted })).toEqual([]);
    expect(await entitiesSeenBy('bob@acme.example', { ...request, entities: crafted })).toEqual([]);
    await store.putPolicy({
      workspaceId: workspace,
      policyId: 'crafted',
      subject: { kind: 'user', name: 'mallory@acme.example' },
      allow: { region: crafted },
    });
    expect(await entitiesSeenBy('mallory@acme.example')).toEqual([]);
  });

  it('a filter on a dimension the policy restricts cannot lift the restriction', async () => {
    // Bob may see one store; filtering on region North (which that store is not in) or on other
    // entities yields nothing beyond it.
    expect(await entitiesSeenBy('bob@acme.example', request, { region: 'North' })).toEqual([]);
    expect(await entitiesSeenBy('bob@acme.example', request, { entity: ALL_LOCATIONS })).toEqual([
      DEMO_LOCATIONS[4]!.id,
    ]);
  });

  it('a hand-edited policy row that does not parse grants nothing', async () => {
    await pool.query(
      `INSERT INTO sluice_row_policies (workspace_id, policy_id, subject_kind, subject_name, allow)
       VALUES ($1, 'broken', 'user', 'trudy@acme.example', '{"region": "North"}'::jsonb)`,
      [workspace],
    );
    expect(await entitiesSeenBy('trudy@acme.example')).toEqual([]);
  });

  it('the file-backed store of the embedded default answers the same way', async () => {
    const demo = loadDemoPolicies();
    expect((await demo.policiesFor('demo', 'ana@demo.example')).map((p) => p.policyId)).toEqual([
      'north-managers-see-north',
    ]);
    expect(await demo.policiesFor('demo', 'nobody@demo.example')).toEqual([]);
    expect(await demo.policiesFor('other', 'ceo@demo.example')).toEqual([]);
  });
});
