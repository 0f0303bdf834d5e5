import type { Source } from '../../dialects/source.ts';
import { renderSql, SQL_CONTENT_TYPE, SQL_EXTENSION } from '../../encoders/sql/render-sql.ts';
import type { JobResult } from '../../jobs/job.ts';
import type { Audience } from '../../metrics/plan-for-recipient.ts';
import { metricColumns, planAsSource } from '../../metrics/plan-source.ts';
import { compileForSource } from '../../metrics/run-plan.ts';
import { MANIFEST_CONTENT_TYPE, MANIFEST_NAME } from '../../pipeline/split/manifest.ts';
import { resolveReportExport, type VisualExport } from '../../reports/resolve-report-export.ts';
import type { Column } from '../../schemas/column.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import type { StoredObject } from '../../sinks/sink.ts';
import { objectKeyFor, splitFileKeyFor } from './object-key.ts';
import { exportQuery } from './export-query.ts';
import type { JobIo } from './job-runtime.ts';

type ReportQuery = Extract<ExportRequested['query'], { kind: 'report' }>;

/** One file per visual of a report export, listed with what produced it. */
export interface ReportManifestEntry {
  pageId: string;
  visualId: string;
  title: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  columns: Column[];
}

export interface ReportManifest {
  version: 1;
  kind: 'report';
  reportId: string;
  title: string;
  format: string;
  entries: ReportManifestEntry[];
  totals: { files: number; rows: number; bytes: number };
}

/**
 * A report export (seed 000) for its recipient: the visuals of the chosen pages, each its metric query under
 * the report's filters, the recipient's row security and the report's query timeout. One visual → one file
 * like any export; several → one file per visual plus a `manifest.json` that lists them (all or nothing:
 * a failure removes the files already written); `sql` → one file with every visual's statement.
 */
export async function runReportJob(
  io: JobIo,
  source: Source,
  audience: Audience,
  query: ReportQuery,
): Promise<JobResult> {
  const { rt, job, request, sink } = io;
  const report = await resolveReportExport(rt.planning, audience, query.reportId, {
    format: request.format,
    ...(query.pages ? { pages: query.pages } : {}),
    ...(query.filters ? { filters: query.filters } : {}),
  });
  const timeout = report.queryTimeoutMs === undefined ? {} : { timeoutMs: report.queryTimeoutMs };
  const sourceFor = (visual: VisualExport) => planAsSource(source, visual.plan, timeout);

  if (request.format === 'sql') {
    const dialect = request.options?.sqlDialect ?? source.dialect;
    const text = report.visuals.map((visual) =>
      renderSql({
        dialect,
        compiled: compileForSource(visual.plan, source, dialect),
        comment: `report ${report.reportId}, page ${visual.pageId}, visual ${visual.visualId}: ${visual.title}`,
      }),
    );
    const stored = await writeWhole(io, objectKeyFor(job.workspaceId, job.jobId, SQL_EXTENSION), {
      contentType: SQL_CONTENT_TYPE,
      body: text.join('\n'),
    });
    return resultOf(io, stored, 0, []);
  }

  if (report.visuals.length === 1) {
    const visual = report.visuals[0]!;
    return exportQuery(io, sourceFor(visual), { kind: 'sql', ...compileForSource(visual.plan, source) });
  }

  const entries: ReportManifestEntry[] = [];
  const written: string[] = [];
  let done = { rows: 0, bytes: 0 };
  try {
    for (const visual of report.visuals) {
      const name = `${visual.pageId}--${visual.visualId}`;
      const base = done;
      const result = await exportQuery(
        {
          ...io,
          onProgress: (p) => io.onProgress({ ...p, rows: base.rows + p.rows, bytes: base.bytes + p.bytes }),
        },
        sourceFor(visual),
        { kind: 'sql', ...compileForSource(visual.plan, source) },
        {
          keyFor: (extension) => splitFileKeyFor(job.workspaceId, job.jobId, `${name}.${extension}`),
          splitPrefix: `${name}--`,
        },
      );
      written.push(result.key, ...(result.files ?? []).map((f) => f.key));
      entries.push({
        pageId: visual.pageId,
        visualId: visual.visualId,
        title: visual.title,
        key: result.key,
        rows: result.rows,
        bytes: result.bytes,
        sha256: result.sha256,
        columns: metricColumns(visual.plan),
      });
      done = { rows: base.rows + result.rows, bytes: base.bytes + result.bytes };
    }
    const manifest: ReportManifest = {
      version: 1,
      kind: 'report',
      reportId: report.reportId,
      title: report.title,
      format: request.format,
      entries,
      totals: { files: entries.length, rows: done.rows, bytes: done.bytes },
    };
    const stored = await writeWhole(io, splitFileKeyFor(job.workspaceId, job.jobId, MANIFEST_NAME), {
      contentType: MANIFEST_CONTENT_TYPE,
      body: `${JSON.stringify(manifest, null, 2)}\n`,
    });
    return resultOf(io, stored, done.rows, entries);
  } catch (err) {
    await Promise.allSettled(written.map((key) => sink.remove(key)));
    throw err;
  }
}

/** A small object written in one go (a manifest, a SQL file); an abort leaves nothing behind. */
async function writeWhole(
  { sink, signal }: JobIo,
  key: string,
  { contentType, body }: { contentType: string; body: string },
): Promise<StoredObject> {
  signal.throwIfAborted();
  const writer = sink.createWriter(key, { contentType });
  writer.end(body);
  return writer.stored;
}

function resultOf(
  { rt, request }: JobIo,
  stored: StoredObject,
  rows: number,
  entries: ReportManifestEntry[],
): JobResult {
  return {
    format: request.format,
    bucket: rt.s3.bucket,
    key: stored.key,
    rows,
    bytes: stored.bytes,
    sha256: stored.sha256,
    contentType: stored.contentType,
    columns: [],
    ...(entries.length > 0
      ? { files: entries.map(({ key, rows: r, bytes, sha256 }) => ({ key, rows: r, bytes, sha256 })) }
      : {}),
  };
}
