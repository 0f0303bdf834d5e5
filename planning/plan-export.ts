import { SluiceError } from '../core/errors.ts';
import { planCsvGenerator } from '../csv-generator/generate-csv.ts';
import { compileMetricPlan } from '../metrics/compile-plan.ts';
import { metricDialect } from '../dialects/metric-dialects.ts';
import type { MetricPlan } from '../metrics/plan.ts';
import { planForRecipient, type PlanningContext } from '../metrics/plan-for-recipient.ts';
import { resolveReportExport } from '../reports/resolve-report-export.ts';
import type { ExportRequested } from '../schemas/export-requested.ts';
import { invalidFields, type FieldError } from '../schemas/parse-contract.ts';
import { isWorkspaceGranted } from '../security/source-grants.ts';
import { checkOptions, DOCUMENT_FORMATS } from './check-options.ts';
import type { ExportPlan, PlanLayout, PlanningFacts, PlanUnit, SourceFacts } from './export-plan.ts';
import { planSqlQuery } from './plan-sql.ts';
import { DEFAULT_PLANNING_TIMEOUT_MS, planningDeadline, type DeadlineOptions } from './planning-deadline.ts';
import { grantedTable, planTableQuery } from './plan-table.ts';
import { recipientSecurity, type RecipientSecurity } from './recipient-security.ts';

/**
 * Every request kind (table, sql, metric, report, csv-generator) → one ExportPlan, checking every rule
 * once: the format and its options, the source and its grant for the workspace, the tables on the grant's
 * allow-list and in the source's live catalog, the columns, raw SQL, the catalog's names, and the
 * recipient's row security compiled into every unit. The API runs it before a job exists (a failure is a
 * 4xx naming the field); the worker runs the same function on what it claimed (a failure is the same code
 * on the failed topic). Nothing runs here: lookups go through `facts`, so the step stays testable and the
 * API can cache them. Planning is time-boxed (`facts.timeoutMs`, 2 s by default): past it, or once
 * `deadline.signal` aborts, the next unit fails with REQUEST_INVALID naming the limit.
 */
export async function planExport(
  request: ExportRequested,
  facts: PlanningFacts,
  deadline: DeadlineOptions = {},
): Promise<ExportPlan> {
  const checkpoint = planningDeadline(facts.timeoutMs ?? DEFAULT_PLANNING_TIMEOUT_MS, deadline);
  const errors: FieldError[] = [];
  const options = checkOptions(request, errors);
  if (errors.length > 0) throw invalidFields(errors);

  const source = grantedSource(request, facts);
  const recipient = request.recipient ?? request.requestedBy;
  const security = recipientSecurity(facts.policies, request.workspaceId, recipient);
  const context: PlanningContext = { catalog: facts.catalog, policies: security.store, checkpoint };
  const audience = { workspaceId: request.workspaceId, recipient };
  const sqlDialect = request.options?.sqlDialect;
  const base = {
    workspaceId: request.workspaceId,
    recipient,
    source: source.name,
    ...options,
    comment: `sluice ${request.requestId} for ${request.requestedBy} in ${request.workspaceId}, source ${source.name}`,
  };
  const plan = (layout: PlanLayout, units: PlanUnit[], manifest?: ExportPlan['manifest']): ExportPlan => ({
    ...base,
    layout,
    units,
    ...(manifest ? { manifest } : {}),
  });

  const { query } = request;
  switch (query.kind) {
    case 'table':
      return plan('one-file', [
        { query: { kind: 'table', query: await planTableQuery(query, source, facts, security) } },
      ]);
    case 'sql':
      return plan('one-file', [
        { query: { kind: 'sql', query: await planSqlQuery(query, source, facts, security) } },
      ]);
    case 'metric': {
      const metric = await planForRecipient(context, audience, query.request, { field: 'query.request' });
      await checkFactTables(source, facts, [metric]);
      return plan('one-file', [metricUnit(metric, source, sqlDialect, checkpoint)]);
    }
    case 'report': {
      const report = await resolveReportExport(context, audience, query.reportId, {
        format: request.format,
        ...(query.pages ? { pages: query.pages } : {}),
        ...(query.visuals ? { visuals: query.visuals } : {}),
        ...(query.filters ? { filters: query.filters } : {}),
      });
      await checkFactTables(
        source,
        facts,
        report.visuals.map((v) => v.plan),
      );
      const units: PlanUnit[] = report.visuals.map((visual) => ({
        ...metricUnit(visual.plan, source, sqlDialect, checkpoint),
        ...(report.visuals.length > 1 ? { name: `${visual.pageId}--${visual.visualId}` } : {}),
        labels: { pageId: visual.pageId, visualId: visual.visualId, title: visual.title },
        comment: `report ${report.reportId}, page ${visual.pageId}, visual ${visual.visualId}: ${visual.title}`,
        visual: {
          pageId: visual.pageId,
          pageTitle: visual.pageTitle,
          visualId: visual.visualId,
          title: visual.title,
          kind: visual.kind,
          encoding: visual.encoding,
          width: visual.width,
          height: visual.height,
        },
        ...(report.queryTimeoutMs !== undefined ? { timeoutMs: report.queryTimeoutMs } : {}),
      }));
      if (DOCUMENT_FORMATS.includes(request.format) || request.format === 'xlsx') {
        return {
          ...plan('document', units, {
            kind: 'report',
            meta: { reportId: report.reportId, title: report.title },
          }),
          document: {
            reportId: report.reportId,
            title: report.title,
            filters: query.filters ?? {},
            ...(query.watermark ? { watermark: query.watermark } : {}),
          },
        };
      }
      const layout: PlanLayout =
        request.format === 'sql' ? 'statements' : units.length === 1 ? 'one-file' : 'file-per-unit';
      return plan(layout, units, {
        kind: 'report',
        meta: { reportId: report.reportId, title: report.title },
      });
    }
    case 'csv-generator': {
      const planned = await planCsvGenerator(query.body, context, audience);
      await checkFactTables(source, facts, planned.plans);
      return plan('one-file', [
        { query: { kind: 'csv-generator', layout: planned.layout, plans: planned.plans } },
      ]);
    }
  }
}

/** The source, if configured and granted to the workspace; which others exist is not the caller's business. */
function grantedSource(request: ExportRequested, facts: PlanningFacts): SourceFacts {
  const source = facts.sources.source(request.source);
  if (!source) {
    throw new SluiceError(
      'SOURCE_UNKNOWN',
      `no source named ${JSON.stringify(request.source)} is configured`,
      {
        details: { field: 'source', rule: 'a configured source name' },
      },
    );
  }
  if (!isWorkspaceGranted(source.grant, request.workspaceId)) {
    throw new SluiceError(
      'SOURCE_NOT_GRANTED',
      `source ${JSON.stringify(source.name)} is not granted to workspace ${request.workspaceId}`,
      {
        details: {
          field: 'source',
          rule: `a source granted to this workspace (SLUICE_SOURCE_${source.name.toUpperCase()}_WORKSPACES)`,
        },
      },
    );
  }
  return source;
}

function metricUnit(
  plan: MetricPlan,
  source: SourceFacts,
  sqlDialect: string | undefined,
  checkpoint: () => void,
): PlanUnit {
  checkpoint();
  return {
    query: {
      kind: 'metric',
      plan,
      compiled: compileMetricPlan(plan, metricDialect(source.dialect)),
      ...(sqlDialect ? { sqlDialect } : {}),
    },
  };
}

/** A metric's fact table must be on the source's allow-list like any table a request reads. */
async function checkFactTables(
  source: SourceFacts,
  facts: PlanningFacts,
  plans: MetricPlan[],
): Promise<void> {
  for (const table of new Set(plans.map((p) => p.table))) {
    await grantedTable(source, facts, table, 'source');
  }
}

export type { RecipientSecurity };
