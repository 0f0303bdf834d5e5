import { describe, expect, it } from 'vitest';
import { CsvGeneratorBodySchema } from '../../schemas/csv-generator.ts';
import { MetricRequestSchema } from '../../schemas/metric-request.ts';

// Bounded work: a body's cost is capped by its schema, and a request past a cap is refused naming it.
const metric = (overrides: Record<string, unknown> = {}) => ({
  start: '2026-01-01T00:00:00Z',
  end: '2026-12-31T23:00:00Z',
  entities: ['store-1'],
  entityType: 'location',
  aggregationPeriod: 'day',
  ...overrides,
});

const issuesOf = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('request caps', () => {
  const cases: [string, Record<string, unknown>, RegExp | undefined][] = [
    ['a year by day', {}, undefined],
    [
      'ten years by hour',
      { start: '2016-01-01T00:00:00Z', end: '2025-12-31T00:00:00Z', aggregationPeriod: 'hour' },
      undefined,
    ],
    ['0001–9999', { start: '0001-01-01T00:00:00Z', end: '9999-12-31T00:00:00Z' }, /^end: at most 3700 days/],
    [
      'twelve years by hour',
      { start: '2010-01-01T00:00:00Z', end: '2021-12-31T00:00:00Z', aggregationPeriod: 'hour' },
      /^aggregationPeriod: at most 100000 periods/,
    ],
  ];
  for (const [name, overrides, refused] of cases) {
    it(`metric request: ${name}`, () => {
      const issues = issuesOf(MetricRequestSchema.safeParse(metric(overrides)));
      if (!refused) expect(issues).toEqual([]);
      else
        expect(
          issues.some((i) => refused.test(i)),
          issues.join('; '),
        ).toBe(true);
    });
  }

  it('CSV generator: columns × metricRequests is capped', () => {
    const body = (columns: number, requests: number) => ({
      csvFormat: {
        columns: Array.from({ length: columns }, (_, i) => ({ heading: `c${i}`, metricId: 'm0' })),
        sortBy: [0],
        rowFilters: ['region'],
      },
      metricRequests: Array.from({ length: requests }, (_, i) => metric({ metricId: `m${i}` })),
    });
    expect(issuesOf(CsvGeneratorBodySchema.safeParse(body(40, 50)))).toEqual([]);
    expect(issuesOf(CsvGeneratorBodySchema.safeParse(body(500, 50)))).toContain(
      'csvFormat.columns: columns × metricRequests at most 2000 (the body’s work limit)'.replace('’', "'"),
    );
  });
});
