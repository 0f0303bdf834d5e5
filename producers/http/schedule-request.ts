import type { TokenIdentity } from '../../auth/tokens.ts';
import { isSluiceError } from '../../core/errors.ts';
import { planExport } from '../../planning/plan-export.ts';
import type { ScheduleBody, ScheduleKind, ScheduledRequest } from '../../schedules/schedule.ts';
import { CsvGeneratorBodySchema } from '../../schemas/csv-generator.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { parseContract } from '../../schemas/parse-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { invalid, type FieldError } from './problem.ts';
import { parseExportBody, parseReportBody, type CallerRequest } from './routes-exports.ts';

/** Set by each firing, so a schedule's body must not carry them. */
const FIRING_OWNED = ['requestId', 'urlTtlSeconds'] as const;

export type ScheduleRequestDeps = Pick<ApiDeps, 'reportSource' | 'planning'>;

/**
 * The export a schedule will publish, checked by the same planning step POST /v1/exports, the report route
 * and the CSV generator use (every kind, every rule: grants, catalog, formats, options), with each field
 * named under the schedule's key (`export.format`, `report.reportId`, `csvGenerator.metricRequests.0…`).
 * An unknown source or report is a 400 naming the field here, since the schedule names it.
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

  const caller = await named(kind, async (): Promise<CallerRequest> => {
    if (kind === 'export') return parseExportBody(part);
    if (!deps.reportSource)
      throw invalid([
        { field: '(body)', rule: 'reports and the CSV generator need SLUICE_API_REPORT_SOURCE' },
      ]);
    if (kind === 'report') {
      const { reportId, ...rest } = part;
      if (typeof reportId !== 'string' || reportId.length === 0)
        throw invalid([{ field: 'reportId', rule: 'a report id of the catalog' }]);
      return parseReportBody(deps, reportId, rest);
    }
    return {
      source: deps.reportSource,
      query: { kind: 'csv-generator', body: parseContract(CsvGeneratorBodySchema, part) },
      format: 'csv',
    };
  });
  const { requestId: _r, urlTtlSeconds: _u, ...scheduled } = caller;
  const probe: ExportRequested = {
    version: 1,
    workspaceId: identity.workspaceId,
    requestedBy: identity.userId,
    requestId: 'schedule-check',
    ...scheduled,
  };
  await named(kind, () => planExport(probe, deps.planning));
  return { kind, body: part, request: scheduled };
}

/** A request field as the schedule's body names it: `query.reportId` is `report.reportId`, and so on. */
function fieldUnder(kind: ScheduleKind, field: string): string {
  if (field === '(body)' || field === '') return kind;
  if (kind === 'report') return `report.${field.replace(/^query\./, '').replace(/^id$/, 'reportId')}`;
  if (kind === 'csvGenerator') return `csvGenerator.${field.replace(/^query\.body\./, '')}`;
  return `export.${field}`;
}

/** Runs a check and names every field it rejects under the schedule's key. */
async function named<T>(kind: ScheduleKind, check: () => Promise<T> | T): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    if (err.code === 'SOURCE_UNKNOWN')
      throw invalid([{ field: fieldUnder(kind, 'source'), rule: `no configured source: ${err.message}` }]);
    if (err.code === 'REPORT_NOT_FOUND')
      throw invalid([{ field: 'report.reportId', rule: `not in the catalog: ${err.message}` }]);
    if (err.code !== 'REQUEST_INVALID') throw err;
    const errors = (err.details.errors as FieldError[] | undefined) ?? [
      { field: (err.details.field as string | undefined) ?? '(body)', rule: err.message },
    ];
    throw invalid(errors.map((e) => ({ field: fieldUnder(kind, e.field), rule: e.rule })));
  }
}
