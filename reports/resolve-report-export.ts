import { SluiceError } from '../core/errors.ts';
import type { Audience, PlanningContext } from '../metrics/plan-for-recipient.ts';
import { planForRecipient } from '../metrics/plan-for-recipient.ts';
import type { MetricPlan } from '../metrics/plan.ts';
import { parseContract, invalidFields, type FieldError } from '../schemas/parse-contract.ts';
import { MAX_PLANS_PER_REQUEST } from '../schemas/metric-request.ts';
import { ReportExportBodySchema } from '../schemas/report-export.ts';
import type { VisualEncoding, VisualKind } from '../catalog/catalog-schema.ts';

export interface VisualExport {
  pageId: string;
  pageTitle: string;
  visualId: string;
  title: string;
  /** How rendered documents draw it (catalog `kind`, `encoding`, size; a table of 800×450 by default). */
  kind: VisualKind;
  encoding: VisualEncoding;
  width: number;
  height: number;
  plan: MetricPlan;
}

export interface ReportExport {
  reportId: string;
  title: string;
  format: string;
  /** The report's setting: every visual's query is stopped after this long (QUERY_TIMEOUT). */
  queryTimeoutMs?: number;
  visuals: VisualExport[];
}

/**
 * A report export request → the plans of the visuals it covers, for the recipient. `pages` picks pages
 * (all when absent); `filters` are ANDed into every selected visual's query, so a filter must name a
 * dimension each of those visuals' metrics has. Unknown report → REPORT_NOT_FOUND (404); unknown page,
 * unknown or inapplicable filter → REQUEST_INVALID naming it (400). Nothing runs here.
 */
export async function resolveReportExport(
  context: PlanningContext,
  audience: Audience,
  reportId: string,
  body: unknown,
): Promise<ReportExport> {
  const request = parseContract(ReportExportBodySchema, body);
  const report = context.catalog.report(reportId);
  if (!report) {
    throw new SluiceError('REPORT_NOT_FOUND', `no report ${JSON.stringify(reportId)}`, {
      details: { reportId },
    });
  }
  const errors: FieldError[] = [];
  const pages = request.pages
    ? request.pages.flatMap((id, i) => {
        const page = report.pages.find((p) => p.id === id);
        if (!page) {
          errors.push({
            field: `pages.${i}`,
            rule: `unknown page ${JSON.stringify(id)}; report ${report.id} has ${report.pages.map((p) => p.id).join(', ')}`,
          });
        }
        return page ? [page] : [];
      })
    : report.pages;
  const wanted = request.visuals;
  wanted?.forEach((id, i) => {
    if (!pages.some((p) => p.visuals.some((v) => v.id === id))) {
      errors.push({
        field: `visuals.${i}`,
        rule: `unknown visual ${JSON.stringify(id)}; the chosen pages have ${pages.flatMap((p) => p.visuals.map((v) => v.id)).join(', ')}`,
      });
    }
  });
  const chosen = (visual: { id: string }) => !wanted || wanted.includes(visual.id);
  const filters = request.filters ?? {};
  for (const name of Object.keys(filters)) {
    for (const page of pages) {
      for (const visual of page.visuals.filter(chosen)) {
        const measure = context.catalog.measure(visual.query.measures![0]!)!;
        if (!Object.hasOwn(measure.metric.dimensions, name)) {
          errors.push({
            field: `filters.${name}`,
            rule: `unknown filter ${JSON.stringify(name)} for visual ${visual.id} (metric ${measure.metricId}: ${Object.keys(measure.metric.dimensions).join(', ')})`,
          });
        }
      }
    }
  }
  if (errors.length > 0) throw invalidFields(errors);
  const count = pages.reduce((n, page) => n + page.visuals.filter(chosen).length, 0);
  if (count > MAX_PLANS_PER_REQUEST) {
    throw invalidFields([
      {
        field: wanted ? 'visuals' : 'pages',
        rule: `at most ${MAX_PLANS_PER_REQUEST} visuals per export (the plans-per-request limit); this selection has ${count}`,
      },
    ]);
  }

  const visuals: VisualExport[] = [];
  for (const page of pages) {
    for (const visual of page.visuals.filter(chosen)) {
      visuals.push({
        pageId: page.id,
        pageTitle: page.title,
        visualId: visual.id,
        title: visual.title,
        kind: visual.kind ?? 'table',
        encoding: visual.encoding ?? {},
        width: visual.width ?? 800,
        height: visual.height ?? 450,
        plan: await planForRecipient(context, audience, visual.query, { filters }),
      });
    }
  }
  return {
    reportId: report.id,
    title: report.title,
    format: request.format,
    ...(report.queryTimeoutMs !== undefined ? { queryTimeoutMs: report.queryTimeoutMs } : {}),
    visuals,
  };
}
