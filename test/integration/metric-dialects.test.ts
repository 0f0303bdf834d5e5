import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoFootfallRows, demoSaleRows } from '../../demo/metrics-data.ts';
import { planColumns, type MetricPlan } from '../../metrics/plan.ts';
import { resolveMetricPlan } from '../../metrics/resolve-plan.ts';
import { streamMetricPlan } from '../../metrics/run-plan.ts';
import { unrestricted } from '../../security/row-policy.ts';
import { SAMPLE_REQUESTS } from '../support/metric-fixtures.ts';
import { readAll, startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';

let engines: MetricEngines;

beforeAll(async () => {
  engines = await startMetricEngines(inject('infra'));
});

afterAll(async () => {
  await engines?.close();
});

const text = (rows: unknown[][]) => rows.map((r) => r.map((v) => (v === null ? null : String(v))));

/**
 * The same plan computed in JavaScript from the generated facts, with the zone's offset taken from Intl
 * row by row: an oracle independent of the SQL and of offsetSegments().
 */
function expected(plan: MetricPlan): string[][] {
  const facts =
    plan.metricId === 'footfall'
      ? demoFootfallRows().map((r) => ({
          at: r.observedAt,
          dims: { entity: r.locationId, region: r.region, segments: r.segment, age: r.ageBand } as Record<
            string,
            string
          >,
          values: { entries: r.entries, footfall_readings: 1 } as Record<string, number>,
        }))
      : demoSaleRows().map((r) => ({
          at: r.soldAt,
          dims: { entity: r.locationId, region: r.region, taxonomy: r.taxonomy } as Record<string, string>,
          values: { sales_volume: r.amountCents, transactions: 1, largest_sale: r.amountCents } as Record<
            string,
            number
          >,
        }));
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: plan.timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
  });
  const groups = new Map<string, { key: string[]; values: number[] }>();
  for (const f of facts) {
    if (f.at < plan.startMs || f.at > plan.endMs) continue;
    if (!plan.filters.every((flt) => flt.values.includes(f.dims[flt.dimension]!))) continue;
    const p = Object.fromEntries(format.formatToParts(new Date(f.at)).map((x) => [x.type, x.value]));
    let period = `${p.year}-${p.month}-${p.day}`;
    if (plan.period === 'hour') period += `T${p.hour}:00`;
    if (plan.period === 'month') period = `${p.year}-${p.month}-01`;
    if (plan.period === 'week') {
      const day = new Date(`${period}T00:00:00Z`);
      day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
      period = day.toISOString().slice(0, 10);
    }
    const key = [period, ...plan.groupBy.map((d) => f.dims[d.name]!)];
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, values: plan.measures.map(() => Number.NaN) };
    plan.measures.forEach((m, i) => {
      const v = f.values[m.name]!;
      const prev = group.values[i]!;
      group.values[i] = Number.isNaN(prev) ? v : m.aggregate === 'max' ? Math.max(prev, v) : prev + v;
    });
    groups.set(id, group);
  }
  const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  return [...groups.values()]
    .map((g) => [...g.key, ...g.values.map(String)])
    .sort((a, b) => {
      for (let i = 0; i < a.length; i++) {
        const c = byteOrder(a[i]!, b[i]!);
        if (c !== 0) return c;
      }
      return 0;
    });
}

describe('one metric request, four engines, identical rows', () => {
  for (const { name, request } of SAMPLE_REQUESTS) {
    it(`${name}: PostgreSQL, MariaDB, SQLite and DuckDB agree with each other and with the oracle`, async () => {
      const results: Record<string, unknown[][]> = {};
      let plan: MetricPlan | undefined;
      for (const engine of engines.engines) {
        plan = resolveMetricPlan(engine.catalog, request, { security: unrestricted('demo', 'tester') });
        const stream = await streamMetricPlan(engine.source, plan);
        expect(stream.columns.map((c) => c.name)).toEqual(planColumns(plan));
        // Measures arrive as 64-bit integers from every engine, not as decimals or floats.
        expect(stream.columns.slice(1 + plan.groupBy.length).map((c) => c.type)).toEqual(
          plan.measures.map(() => 'int64'),
        );
        results[engine.name] = await readAll(stream.batches);
      }
      const oracle = expected(plan!);
      expect(oracle.length).toBeGreaterThan(0);
      expect(text(results.postgres!)).toEqual(oracle);
      expect(text(results.mysql!)).toEqual(oracle);
      expect(text(results.sqlite!)).toEqual(oracle);
      expect(text(results.duckdb!)).toEqual(oracle);
      // Same JS values, not only the same text (bigint measures, string labels).
      expect(results.mysql).toEqual(results.postgres);
      expect(results.sqlite).toEqual(results.postgres);
      expect(results.duckdb).toEqual(results.postgres);
    });
  }

  it('a limit cuts every engine at the same row', async () => {
    const rows: unknown[][][] = [];
    for (const engine of engines.engines) {
      const plan = resolveMetricPlan(engine.catalog, SAMPLE_REQUESTS[1]!.request, {
        security: unrestricted('demo', 'tester'),
        limit: 7,
      });
      rows.push(await readAll((await streamMetricPlan(engine.source, plan)).batches));
    }
    expect(rows[0]).toHaveLength(7);
    for (const r of rows) expect(r).toEqual(rows[0]);
  });
});
