import { describe, expect, it } from 'vitest';
import { estimatePlanRows } from '../../consumers/export-worker/expected-rows.ts';
import type { Query, Source } from '../../dialects/source.ts';
import type { PlanUnit } from '../../planning/export-plan.ts';

/** Only estimateRows matters here; the rest of a Source is never called. */
function sourceEstimating(estimate: (q: Query) => Promise<number | undefined>): Source {
  return { estimateRows: estimate } as unknown as Source;
}

const table = (name: string, extra: Record<string, unknown> = {}): PlanUnit => ({
  query: { kind: 'table', query: { kind: 'table', table: name, ...extra } },
});
const plan = (...units: PlanUnit[]) => ({ layout: 'one-file' as const, units });

describe('estimatePlanRows (the worker’s expected rows for % and ETA)', () => {
  const counts: Record<string, number> = { a: 1_000, b: 250 };
  const source = sourceEstimating(async (q) => (q.kind === 'table' ? counts[q.table] : undefined));

  it('whole-table units: the sum of the source’s estimates', async () => {
    expect(await estimatePlanRows(plan(table('a')), source)).toBe(1_000);
    expect(await estimatePlanRows({ layout: 'file-per-unit', units: [table('a'), table('b')] }, source)).toBe(
      1_250,
    );
  });

  it('unknown when any unit is filtered, governed, sliced or not a table, and without estimateRows', async () => {
    const filter = { column: 'n', op: 'eq', value: 1 };
    expect(await estimatePlanRows(plan(table('a', { filters: [filter] })), source)).toBeUndefined();
    expect(
      await estimatePlanRows(plan(table('a', { rowFilter: { alternatives: [] } })), source),
    ).toBeUndefined();
    expect(
      await estimatePlanRows(plan(table('a', { keyRange: { column: 'n', gte: 0, lt: 9 } })), source),
    ).toBeUndefined();
    const sql: PlanUnit = { query: { kind: 'sql', query: { kind: 'sql', sql: 'SELECT 1', params: [] } } };
    expect(await estimatePlanRows(plan(table('a'), sql), source)).toBeUndefined();
    expect(await estimatePlanRows(plan(table('a')), {} as Source)).toBeUndefined();
  });

  it('a failing or slow estimate is no estimate, and never rejects', async () => {
    const failing = sourceEstimating(async () => {
      throw new Error('pg_class unreadable');
    });
    expect(await estimatePlanRows(plan(table('a')), failing)).toBeUndefined();
    const slow = sourceEstimating(() => new Promise((resolve) => setTimeout(resolve, 200, 5)));
    expect(await estimatePlanRows(plan(table('a')), slow, 20)).toBeUndefined();
    expect(await estimatePlanRows(plan(table('a')), slow, 1_000)).toBe(5);
  });
});
