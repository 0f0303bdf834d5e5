import { describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../../catalog/catalog.ts';
import type { PlanningContext } from '../../metrics/plan-for-recipient.ts';
import { resolveReportExport } from '../../reports/resolve-report-export.ts';
import { loadDemoPolicies } from '../../security/file-policy-store.ts';

const context: PlanningContext = { catalog: loadDemoCatalog(), policies: loadDemoPolicies() };
const ana = { workspaceId: 'demo', recipient: 'ana@demo.example' };

describe('resolveReportExport', () => {
  it('selects pages in request order and applies filters to every visual, for the recipient', async () => {
    const out = await resolveReportExport(context, ana, 'store-performance', {
      format: 'csv',
      pages: ['page_1', 'page_3'],
      filters: { region: 'North' },
    });
    expect(out).toMatchObject({ reportId: 'store-performance', format: 'csv', queryTimeoutMs: 30000 });
    expect(out.visuals.map((v) => [v.pageId, v.visualId])).toEqual([
      ['page_1', 'entries_by_day'],
      ['page_3', 'sales_by_month_taxonomy'],
    ]);
    for (const v of out.visuals) {
      expect(v.plan.filters).toContainEqual({ dimension: 'region', column: 'region', values: ['North'] });
      expect(v.plan.security).toEqual({
        workspaceId: 'demo',
        recipient: 'ana@demo.example',
        grants: [{ region: ['North'] }],
      });
    }
  });

  it('exports every page when none are named', async () => {
    const out = await resolveReportExport(context, ana, 'store-performance', { format: 'pdf' });
    expect(out.visuals.map((v) => v.pageId)).toEqual(['page_1', 'page_2', 'page_3']);
  });

  const bad: [string, string, unknown, string, string][] = [
    ['an unknown report', 'nope', { format: 'csv' }, 'REPORT_NOT_FOUND', 'no report "nope"'],
    [
      'an unknown page',
      'store-performance',
      { format: 'csv', pages: ['page_1', 'page_9'] },
      'REQUEST_INVALID',
      'pages.1: unknown page "page_9"',
    ],
    [
      'an unknown filter',
      'store-performance',
      { format: 'csv', filters: { colour: 'red' } },
      'REQUEST_INVALID',
      'filters.colour: unknown filter "colour"',
    ],
    [
      'a filter one selected visual cannot take',
      'store-performance',
      { format: 'csv', pages: ['page_2', 'page_3'], filters: { segments: 'new' } },
      'REQUEST_INVALID',
      'filters.segments: unknown filter "segments" for visual sales_by_month_taxonomy',
    ],
    [
      'an injection attempt as a filter name',
      'store-performance',
      { format: 'csv', filters: { "region' OR 1=1 --": 'x' } },
      'REQUEST_INVALID',
      "filters.region' OR 1=1 --",
    ],
    [
      'filters as a list',
      'store-performance',
      { format: 'csv', filters: [{ region: 'North' }] },
      'REQUEST_INVALID',
      'filters',
    ],
    [
      'an unknown body field',
      'store-performance',
      { format: 'csv', page: ['page_1'] },
      'REQUEST_INVALID',
      'page: unrecognized field',
    ],
  ];
  for (const [name, report, body, code, message] of bad) {
    it(`rejects ${name} (${code}) naming it`, async () => {
      await expect(resolveReportExport(context, ana, report, body)).rejects.toMatchObject({
        code,
        message: expect.stringContaining(message),
      });
    });
  }
});
