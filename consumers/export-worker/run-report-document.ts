import { pipeline } from 'node:stream/promises';
import type { Source } from '../../dialects/source.ts';
import type { JobResult } from '../../jobs/job.ts';
import { metricColumns, planAsSource } from '../../metrics/plan-source.ts';
import { MANIFEST_CONTENT_TYPE, MANIFEST_NAME } from '../../pipeline/split/manifest.ts';
import { createVisualCollector } from '../../renderers/collect-visual.ts';
import { loadFontSet } from '../../renderers/fonts.ts';
import { createDeadline, DEFAULT_RENDER_LIMITS, type RenderLimits } from '../../renderers/limits.ts';
import { PDF_CONTENT_TYPE, renderReportPdf } from '../../renderers/pdf/render-pdf.ts';
import { PNG_CONTENT_TYPE, renderVisualPng } from '../../renderers/png/render-png.ts';
import { PPTX_CONTENT_TYPE, renderReportPptx } from '../../renderers/pptx/render-pptx.ts';
import type { RenderedPage, RenderedReport } from '../../renderers/report-model.ts';
import { renderReportXlsx } from '../../renderers/xlsx/render-report-xlsx.ts';
import { XLSX_CONTENT_TYPE } from '../../encoders/xlsx/workbook-writer.ts';
import type { ReportExport, VisualExport } from '../../reports/resolve-report-export.ts';
import type { StoredObject } from '../../sinks/sink.ts';
import type { JobIo } from './job-runtime.ts';
import { objectKeyFor, splitFileKeyFor } from './object-key.ts';

/** The report formats that are documents rather than rows: rendered by renderers/. */
export const DOCUMENT_FORMATS = ['pdf', 'xlsx', 'png', 'pptx'] as const;

export function isDocumentFormat(format: string): boolean {
  return (DOCUMENT_FORMATS as readonly string[]).includes(format);
}

export interface DocumentOptions {
  filters: Record<string, string | string[]>;
  watermark?: string;
  timeoutMs?: number;
  limits?: RenderLimits;
  now?: () => Date;
}

/**
 * A report (or one visual of it) as a document: every visual's query runs first, for the recipient and
 * under the report's timeout, and only when all have finished is anything rendered or stored — a query that
 * fails or times out (QUERY_TIMEOUT) fails the job, never leaving a blank or partial document behind.
 * xlsx is the exception that streams: its sheets hold every row, so rows pass straight into the upload, and a
 * failure aborts the upload (an object is whole or absent).
 */
export async function runReportDocument(
  io: JobIo,
  source: Source,
  report: ReportExport,
  options: DocumentOptions,
): Promise<JobResult> {
  const { job, request, sink, signal } = io;
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const open = (visual: VisualExport) =>
    planAsSource(source, visual.plan, timeout).stream({ kind: 'sql', sql: '' }, { signal });
  let rows = 0;
  const started = Date.now();
  const progress = (n: number) => {
    rows += n;
    io.onProgress({ rows, bytes: 0, elapsedMs: Date.now() - started });
  };

  if (request.format === 'xlsx') {
    const workbook = renderReportXlsx(
      report.visuals.map((visual) => ({
        title: visual.title,
        async open() {
          const stream = await open(visual);
          return {
            columns: stream.columns,
            batches: (async function* () {
              for await (const batch of stream.batches) {
                progress(batch.length);
                yield batch;
              }
            })(),
          };
        },
      })),
    );
    const writer = sink.createWriter(objectKeyFor(job.workspaceId, job.jobId, 'xlsx'), {
      contentType: XLSX_CONTENT_TYPE,
    });
    const written = pipeline(workbook.output, writer, { signal });
    const [, , stored] = await Promise.all([workbook.done, written, writer.stored]);
    return resultOf(io, stored, rows);
  }

  const pages: RenderedPage[] = [];
  for (const visual of report.visuals) {
    const stream = await open(visual);
    const collector = createVisualCollector(
      {
        id: visual.visualId,
        title: visual.title,
        kind: visual.kind,
        encoding: visual.encoding,
        width: visual.width,
        height: visual.height,
      },
      stream.columns,
      limits,
    );
    for await (const batch of stream.batches) {
      collector.add(batch);
      progress(batch.length);
    }
    let page = pages.at(-1);
    if (page?.id !== visual.pageId) {
      page = { id: visual.pageId, title: visual.pageTitle, visuals: [] };
      pages.push(page);
    }
    page.visuals.push(collector.finish());
  }
  const rendered: RenderedReport = {
    reportId: report.reportId,
    title: report.title,
    filters: options.filters,
    generatedAt: (options.now ?? (() => new Date()))(),
    timeZone: 'UTC',
    ...(options.watermark ? { watermark: options.watermark } : {}),
    pages,
  };
  const fonts = loadFontSet();
  const deadline = createDeadline(limits.renderTimeoutMs, signal);

  if (request.format === 'pdf') {
    const writer = sink.createWriter(objectKeyFor(job.workspaceId, job.jobId, 'pdf'), {
      contentType: PDF_CONTENT_TYPE,
    });
    const pdf = await renderReportPdf(rendered, fonts, limits, deadline).catch((err: unknown) => {
      writer.destroy(err as Error);
      throw err;
    });
    await Promise.all([pipeline(pdf, writer, { signal }), writer.stored]);
    return resultOf(io, await writer.stored, rows);
  }
  if (request.format === 'pptx') {
    const bytes = await renderReportPptx(rendered, fonts, deadline);
    return resultOf(
      io,
      await writeWhole(io, objectKeyFor(job.workspaceId, job.jobId, 'pptx'), PPTX_CONTENT_TYPE, bytes),
      rows,
    );
  }

  // png: one picture per visual; several → one file each plus a manifest listing them (all or nothing).
  const visuals = pages.flatMap((p) => p.visuals.map((v) => ({ page: p, visual: v })));
  if (visuals.length === 1) {
    const png = await renderVisualPng(
      visuals[0]!.visual,
      fonts,
      options.watermark ? { watermark: options.watermark } : {},
    );
    return resultOf(
      io,
      await writeWhole(io, objectKeyFor(job.workspaceId, job.jobId, 'png'), PNG_CONTENT_TYPE, png),
      rows,
    );
  }
  const written: StoredObject[] = [];
  try {
    const entries = [];
    for (const [i, { page, visual }] of visuals.entries()) {
      deadline.check();
      const png = await renderVisualPng(
        visual,
        fonts,
        options.watermark ? { watermark: options.watermark } : {},
      );
      const stored = await writeWhole(
        io,
        splitFileKeyFor(job.workspaceId, job.jobId, `${page.id}--${visual.id}.png`),
        PNG_CONTENT_TYPE,
        png,
      );
      written.push(stored);
      entries.push({
        pageId: page.id,
        visualId: visual.id,
        title: visual.title,
        key: stored.key,
        rows: visual.totalRows,
        bytes: stored.bytes,
        sha256: stored.sha256,
        columns: metricColumns(report.visuals[i]!.plan),
        width: visual.width * 2,
        height: visual.height * 2,
      });
    }
    const manifest = {
      version: 1,
      kind: 'report',
      reportId: report.reportId,
      title: report.title,
      format: 'png',
      entries,
      totals: { files: entries.length, rows, bytes: entries.reduce((s, e) => s + e.bytes, 0) },
    };
    const stored = await writeWhole(
      io,
      splitFileKeyFor(job.workspaceId, job.jobId, MANIFEST_NAME),
      MANIFEST_CONTENT_TYPE,
      Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
    );
    return {
      ...resultOf(io, stored, rows),
      files: entries.map(({ key, rows: r, bytes, sha256 }) => ({ key, rows: r, bytes, sha256 })),
    };
  } catch (err) {
    await Promise.allSettled(written.map((s) => sink.remove(s.key)));
    throw err;
  }
}

async function writeWhole(
  { sink, signal }: JobIo,
  key: string,
  contentType: string,
  body: Buffer,
): Promise<StoredObject> {
  signal.throwIfAborted();
  const writer = sink.createWriter(key, { contentType });
  writer.end(body);
  return writer.stored;
}

function resultOf({ rt, request }: JobIo, stored: StoredObject, rows: number): JobResult {
  return {
    format: request.format,
    bucket: rt.s3.bucket,
    key: stored.key,
    rows,
    bytes: stored.bytes,
    sha256: stored.sha256,
    contentType: stored.contentType,
    columns: [],
  };
}
