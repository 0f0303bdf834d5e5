import type { TokenIdentity } from '../../auth/tokens.ts';
import { isSluiceError, SluiceError } from '../../core/errors.ts';
import { planCsvGenerator } from '../../csv-generator/generate-csv.ts';
import type { ScheduleBody, ScheduleKind, ScheduledRequest } from '../../schedules/schedule.ts';
import type { ApiDeps } from './api-deps.ts';
import { invalid, type FieldError } from './problem.ts';
import { parseExportBody, parseReportBody } from './routes-exports.ts';

/** Set by each firing, so a schedule's body must not carry them. */
const FIRING_OWNED = ['requestId', 'urlTtlSeconds'] as const;

export type ScheduleRequestDeps = Pick<ApiDeps, 'reportSource' | 'planning'> & {
  /** Configured source names; when known, a schedule naming another is refused up front. */
  sourceNames?: readonly string[];
};

/**
 * The export a schedule will publish, checked exactly as its own route checks it today (POST /v1/exports,
 * POST /v1/reports/{id}/export, POST /v1/csv-generator), with each field named under the schedule's key
 * (`export.format`, `report.reportId`, `csvGenerator.columns.0.metricId` …). The single place to switch to
 * the shared planning step once it exists.
 */
export async function resolveScheduledRequest(
  deps: ScheduleRequestDeps,
  identity: TokenIdentity,
  body: Pick<ScheduleBody, 'export' | 'report' | 'csvGenerator'>,
): Promise<{ kind: ScheduleKind; body: unknown; request: ScheduledRequest }> {
  const given = (['export', 'report', 'csvGenerator'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1)
    throw invalid([{ field: given[1] ?? 'export', rule: 'exactly one of export, report, csvGenerator' }]);
  const kind = given[0]!;
  const part = body[kind] as Record<string, unknown>;
  const owned = FIRING_OWNED.filter((f) => typeof part === 'object' && part !== null && f in part);
  if (owned.length > 0)
    throw invalid(
      owned.map((f) => ({ field: `${kind}.${f}`, rule: 'set by each run of the schedule; omit it' })),
    );

  const request = await prefixed(kind, async () => {
    if (kind === 'export') {
      const parsed = parseExportBody(part);
      if (deps.sourceNames && deps.sourceNames.length > 0 && !deps.sourceNames.includes(parsed.source))
        throw invalid([{ field: 'source', rule: `a configured source: ${deps.sourceNames.join(', ')}` }]);
      return parsed;
    }
    if (!deps.reportSource)
      throw invalid([
        { field: '(body)', rule: 'reports and the CSV generator need SLUICE_API_REPORT_SOURCE' },
      ]);
    if (kind === 'report') {
      const { reportId, ...rest } = part;
      if (typeof reportId !== 'string' || reportId.length === 0)
        throw invalid([{ field: 'reportId', rule: 'a report id of the catalog' }]);
      try {
        return await parseReportBody(deps, identity, reportId, rest);
      } catch (err) {
        if (isSluiceError(err) && err.code === 'REPORT_NOT_FOUND')
          throw invalid([
            { field: 'reportId', rule: `no report ${JSON.stringify(reportId)} in the catalog` },
          ]);
        throw err;
      }
    }
    const planned = await planCsvGenerator(part, deps.planning, {
      workspaceId: identity.workspaceId,
      recipient: identity.userId,
    });
    return {
      source: deps.reportSource,
      query: { kind: 'csv-generator' as const, body: planned.body },
      format: 'csv',
    };
  });
  const {
    requestId: _r,
    urlTtlSeconds: _u,
    ...scheduled
  } = request as ScheduledRequest & {
    requestId?: string;
    urlTtlSeconds?: number;
  };
  return { kind, body: part, request: scheduled };
}

/** Runs a body check and names every field it rejects under `key`. */
async function prefixed<T>(key: string, check: () => Promise<T> | T): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (!isSluiceError(err) || err.code !== 'REQUEST_INVALID') throw err;
    const errors = (err.details.errors as FieldError[] | undefined) ?? fieldsOf(err);
    throw invalid(
      errors.map((e) => ({
        field: e.field === '(body)' || e.field === '' ? key : `${key}.${e.field}`,
        rule: e.rule,
      })),
    );
  }
}

/** A REQUEST_INVALID thrown without field errors (a contract parse): its fields, or the message. */
function fieldsOf(err: SluiceError): FieldError[] {
  const fields = err.details.fields as string[] | undefined;
  const field = err.details.field as string | undefined;
  if (fields && fields.length > 0) return fields.map((f) => ({ field: f, rule: err.message }));
  return [{ field: field ?? '(body)', rule: err.message }];
}
