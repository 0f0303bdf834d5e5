import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import pkg from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../../catalog/catalog.ts';
import { compileMetricPlan } from '../../metrics/compile-plan.ts';
import { metricDialect, EXECUTABLE_DIALECTS, TEXT_ONLY_DIALECTS } from '../../dialects/metric-dialects.ts';
import type { MetricPlan } from '../../metrics/plan.ts';
import { resolveMetricPlan } from '../../metrics/resolve-plan.ts';
import { offsetSegments } from '../../metrics/time-zone-offsets.ts';
import { MetricRequestSchema } from '../../schemas/metric-request.ts';
import { parseContract } from '../../schemas/parse-contract.ts';
import { unrestricted, type RowSecurity } from '../../security/row-policy.ts';
import { SAMPLE_REQUESTS, SEED_REQUEST } from '../support/metric-fixtures.ts';

const { Parser } = pkg;
const catalog = loadDemoCatalog();
const all = unrestricted('demo', 'tester@demo.example');
const GOLDEN = new URL('../golden/metric-sql/', import.meta.url);
const PARSER_DATABASE = { bigquery: 'bigquery', snowflake: 'snowflake', sqlserver: 'transactsql' } as const;

/** A SluiceError's code and message, or a failure if the call succeeded. */
function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('expected a failure');
}

describe('the standard metric request', () => {
  it('accepts the seed example', () => {
    expect(parseContract(MetricRequestSchema, SEED_REQUEST)).toEqual(SEED_REQUEST);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['unknown field', { colour: 'red' }, 'colour: unrecognized field'],
    ['aggregation period', { aggregationPeriod: 'year' }, 'aggregationPeriod'],
    ['start without a zone', { start: '2024-04-01 00:00' }, 'start'],
    ['end before start', { end: '2024-03-01T00:00:00Z' }, 'end: end must not be before start'],
    ['no entities', { entities: [] }, 'entities'],
    ['facet with SQL in it', { facets: ['segments; DROP TABLE x'] }, 'facets.0'],
    ['entityType with a quote', { entityType: 'location"--' }, 'entityType'],
  ];
  for (const [name, change, named] of bad) {
    it(`rejects ${name}, naming the field`, () => {
      const f = failure(() =>
        parseContract(MetricRequestSchema, { ...SEED_REQUEST, ...change }, ['metricRequests', '0']),
      );
      expect(f.code).toBe('REQUEST_INVALID');
      expect(f.message).toContain(`metricRequests.0.${named}`);
    });
  }

  const unknown: [string, Record<string, unknown>, string][] = [
    ['entity type', { entityType: 'planet' }, 'entityType: unknown entity type "planet"'],
    ['facet', { facets: ['shoe_size'] }, 'facets.0: unknown dimension "shoe_size"'],
    ['measure', { measures: ['profit'] }, 'measures.0: unknown measure "profit"'],
    ['time zone', { timeZone: "Europe/Berlin'; DROP TABLE x; --" }, 'timeZone'],
    ['measures of two metrics', { measures: ['entries', 'sales_volume'] }, 'come from different metrics'],
  ];
  for (const [name, change, message] of unknown) {
    it(`an unknown ${name} is REQUEST_INVALID naming it`, () => {
      const f = failure(() =>
        resolveMetricPlan(catalog, { ...SEED_REQUEST, ...change } as never, { security: all }),
      );
      expect(f).toMatchObject({ code: 'REQUEST_INVALID' });
      expect(f.message).toContain(message);
    });
  }
});

describe('time zone offsets', () => {
  it('finds the Europe/Berlin change to summer time to the second', () => {
    const start = Date.parse('2024-03-30T00:00:00Z');
    const end = Date.parse('2024-04-02T00:00:00Z');
    expect(offsetSegments('Europe/Berlin', start, end)).toEqual([
      { fromEpoch: null, offsetSeconds: 3600 },
      { fromEpoch: Date.parse('2024-03-31T01:00:00Z') / 1000, offsetSeconds: 7200 },
    ]);
  });

  it('has one segment for UTC and for zones without changes', () => {
    const start = Date.parse('2024-01-01T00:00:00Z');
    const end = Date.parse('2024-12-31T00:00:00Z');
    expect(offsetSegments('UTC', start, end)).toEqual([{ fromEpoch: null, offsetSeconds: 0 }]);
    expect(offsetSegments('Asia/Kolkata', start, end)).toEqual([{ fromEpoch: null, offsetSeconds: 19_800 }]);
    expect(offsetSegments('America/New_York', start, end)).toHaveLength(3);
  });
});

/** The golden plans: the samples, plus row security and filters and a limit. */
function goldenPlans(): { name: string; plan: MetricPlan }[] {
  const north: RowSecurity = {
    workspaceId: 'demo',
    recipient: 'ana@demo.example',
    grants: [{ region: ['North'] }],
  };
  const nobody: RowSecurity = { workspaceId: 'demo', recipient: 'eve@demo.example', grants: [] };
  const two: RowSecurity = {
    workspaceId: 'demo',
    recipient: 'bob@demo.example',
    grants: [{ entity: ['64a1b2c3d4e5f6a7b8c9d0e3'] }, { region: ['South'], taxonomy: ['Products:Food'] }],
  };
  const plans = SAMPLE_REQUESTS.map(({ name, request }) => ({
    name,
    plan: resolveMetricPlan(catalog, request, { security: all }),
  }));
  plans.push(
    {
      name: 'seed-north-manager',
      plan: resolveMetricPlan(catalog, SEED_REQUEST, { security: north }),
    },
    {
      name: 'seed-no-policy',
      plan: resolveMetricPlan(catalog, SEED_REQUEST, { security: nobody }),
    },
    {
      name: 'sales-two-grants-filtered-limited',
      plan: resolveMetricPlan(catalog, SAMPLE_REQUESTS[3]!.request, {
        security: two,
        filters: { region: 'South', taxonomy: ['Products:Food', 'Services:Repairs'] },
        limit: 100,
      }),
    },
  );
  return plans;
}

describe('golden SQL per dialect (UPDATE_GOLDEN=1 rewrites the files)', () => {
  const update = process.env.UPDATE_GOLDEN === '1';
  if (update) mkdirSync(GOLDEN, { recursive: true });
  for (const { name, plan } of goldenPlans()) {
    for (const dialect of [...EXECUTABLE_DIALECTS, ...TEXT_ONLY_DIALECTS]) {
      it(`${name} in ${dialect}`, () => {
        const compiled = compileMetricPlan(plan, metricDialect(dialect));
        const text = `${compiled.sql};\n-- params: ${JSON.stringify(compiled.params)}\n`;
        const file = new URL(`${name}.${dialect}.sql`, GOLDEN);
        if (update) writeFileSync(file, text);
        expect(existsSync(file), `${file.pathname} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
        expect(text).toBe(readFileSync(file, 'utf8'));
      });
    }
  }
});

describe('text-only dialects parse back', () => {
  const parser = new Parser();
  for (const { name, plan } of goldenPlans()) {
    for (const dialect of TEXT_ONLY_DIALECTS) {
      it(`${name} is valid ${dialect}`, () => {
        const { sql, params } = compileMetricPlan(plan, metricDialect(dialect));
        const ast = parser.astify(sql, { database: PARSER_DATABASE[dialect] });
        expect(Array.isArray(ast) ? ast.length : 1).toBe(1);
        // Every placeholder is numbered once per value, and no value is in the text.
        const numbers = [...sql.matchAll(dialect === 'snowflake' ? /(?<!\w):(\d+)/g : /@p(\d+)/g)].map((m) =>
          Number(m[1]),
        );
        expect(new Set(numbers).size).toBe(params.length);
        expect(Math.max(...numbers)).toBe(params.length);
      });
    }
  }
});

describe('injection attempts in values are bound, never written into SQL', () => {
  const hostile = ["x' OR '1'='1", 'x") OR 1=1 --', "'; DROP TABLE footfall_hourly; --", '`] OR 1=1 /*'];
  for (const dialect of [...EXECUTABLE_DIALECTS, ...TEXT_ONLY_DIALECTS]) {
    it(`in ${dialect}`, () => {
      const plan = resolveMetricPlan(
        catalog,
        { ...SEED_REQUEST, entities: hostile },
        {
          security: { workspaceId: 'demo', recipient: 'r', grants: [{ region: hostile }] },
          filters: { segments: hostile },
        },
      );
      const { sql, params } = compileMetricPlan(plan, metricDialect(dialect));
      for (const h of hostile) {
        expect(sql).not.toContain(h);
        expect(params.filter((p) => p === h)).toHaveLength(3); // entity, filter, policy
      }
    });
  }

  it('names in filters and policies must be catalog dimensions', () => {
    expect(
      failure(() =>
        resolveMetricPlan(catalog, SEED_REQUEST, { security: all, filters: { 'region" OR 1=1 --': 'x' } }),
      ),
    ).toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringContaining('filters.region" OR 1=1 --'),
    });
    // A grant on a dimension the metric lacks grants nothing: deny, not widen.
    const odd = resolveMetricPlan(catalog, SEED_REQUEST, {
      security: { workspaceId: 'demo', recipient: 'r', grants: [{ 'region" OR 1=1 --': ['x'] }] },
    });
    expect(compileMetricPlan(odd, metricDialect('postgres')).sql).toContain('AND 1 = 0');
  });
});

describe('row security in the SQL', () => {
  const sqlFor = (security: RowSecurity, filters?: Record<string, string>) =>
    compileMetricPlan(
      resolveMetricPlan(catalog, SEED_REQUEST, { security, filters }),
      metricDialect('postgres'),
    );

  it('no policy is a false predicate, not an error', () => {
    expect(sqlFor({ workspaceId: 'w', recipient: 'nobody', grants: [] }).sql).toMatch(/AND 1 = 0$/m);
  });

  it('grants are ORed inside one parenthesis, ANDed with the request filters', () => {
    const { sql } = sqlFor(
      {
        workspaceId: 'w',
        recipient: 'r',
        grants: [{ region: ['North'] }, { entity: ['a', 'b'], segments: ['new'] }],
      },
      { region: 'South' },
    );
    expect(sql).toContain('AND "region" IN ($5)');
    expect(sql).toContain('AND (("region" IN ($6)) OR ("location_id" IN ($7, $8) AND "segment" IN ($9)))');
  });
});
