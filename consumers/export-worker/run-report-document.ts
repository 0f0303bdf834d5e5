import { pipeline } from 'node:stream/promises';
import { SluiceError } from '../../core/errors.ts';
import type { Source } from '../../dialects/source.ts';
import { XLSX_CONTENT_TYPE } from '../../encoders/xlsx/workbook-writer.ts';
import type { JobResult } from '../../jobs/job.ts';
import type { ExportPlan } from '../../planning/export-plan.ts';
import type { ProgressListener } from '../../pipeline/progress.ts';
import { MANIFEST_CONTENT_TYPE, MANIFEST_NAME } from '../../pipeline/split/manifest.ts';
import { createVisualCollector } from '../../renderers/collect-visual.ts';
import { loadFontSet } from '../../renderers/fonts.ts';
import { createDeadline, DEFAULT_RENDER_LIMITS, type RenderLimits } from '../../renderers/limits.ts';
import { PDF_CONTENT_TYPE, renderReportPdf } from '../../renderers/pdf/render-pdf.ts';
import { PNG_CONTENT_TYPE, renderVisualPng } from '../../renderers/png/render-png.ts';
import { PPTX_CONTENT_TYPE, renderReportPptx } from '../../renderers/pptx/render-pptx.ts';
import type { RenderedPage, RenderedReport } from '../../renderers/report-model.ts';
import { renderReportXlsx } from '../../renderers/xlsx/render-report-xlsx.ts';
import { writeWholeObject } from '../../sinks/settle-writer.ts';
import type { Sink, StoredObject } from '../../sinks/sink.ts';
import { unitRun } from './unit-run.ts';

export interface DocumentRun {
  plan: ExportPlan;
  source: Source;
  sink: Sink;
  bucket: string;
  keyFor: (extension: string) => string;
  fileKeyFor: (name: string) => string;
  signal: AbortSignal;
  onProgress: ProgressListener;
  limits?: RenderLimits;
  now?: () => Date;
}

/**
 * A planned `document` (a report, or one visual of it, in pdf, xlsx, png or pptx): every visual's query runs
 * first, for the recipient and under the report's timeout, and only when all have finished is anything
 * rendered or stored — a query that fails or times out (QUERY_TIMEOUT) fails the job, never leaving a blank
 * or partial document behind. xlsx is the exception that streams: its sheets hold every row, so rows pass
 * straight into the upload, and a failure aborts the upload (an object is whole or absent).
 */
export async function runReportDocument(run: DocumentRun): Promise<JobResult> {
  const { plan, source, sink, signal } = run;
  const document = plan.document;
  if (!document) throw new SluiceError('INTERNAL_ERROR', 'a document plan without its document');
  const limits = run.limits ?? DEFAULT_RENDER_LIMITS;
  const units = plan.units.map((unit) => {
    if (!unit.visual) throw new SluiceError('INTERNAL_ERROR', 'a document unit without its visual');
    return { visual: unit.visual, run: unitRun(unit, source) };
  });
  const open = (u: (typeof units)[number]) => u.run.source.stream(u.run.query, { signal });
  let rows = 0;
  const started = Date.now();
  const progress = (n: number) => {
    rows += n;
    run.onProgress({ rows, bytes: 0, elapsedMs: Date.now() - started });
  };
  const result = (stored: StoredObject): JobResult => ({
    format: plan.format,
    bucket: run.bucket,
    key: stored.key,
    rows,
    bytes: stored.bytes,
    sha256: stored.sha256,
    contentType: stored.contentType,
    columns: [],
  });
  const whole = (key: string, contentType: string, body: Buffer) =>
    writeWholeObject(sink, key, { contentType, body, signal });

  if (plan.format === 'xlsx') {
    const workbook = renderReportXlsx(
      units.map((u) => ({
        title: u.visual.title,
        async open() {
          const stream = await open(u);
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
    const writer = sink.createWriter(run.keyFor('xlsx'), { contentType: XLSX_CONTENT_TYPE });
    const [, , stored] = await Promise.all([
      workbook.done,
      pipeline(workbook.output, writer, { signal }),
      writer.stored,
    ]);
    return result(stored);
  }

  const pages: RenderedPage[] = [];
  for (const u of units) {
    const stream = await open(u);
    const { visual } = u;
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
    reportId: document.reportId,
    title: document.title,
    filters: document.filters,
    generatedAt: (run.now ?? (() => new Date()))(),
    timeZone: 'UTC',
    ...(document.watermark ? { watermark: document.watermark } : {}),
    pages,
  };
  const fonts = loadFontSet();
  const deadline = createDeadline(limits.renderTimeoutMs, signal);
  const watermark = document.watermark ? { watermark: document.watermark } : {};

  if (plan.format === 'pdf') {
    const writer = sink.createWriter(run.keyFor('pdf'), { contentType: PDF_CONTENT_TYPE });
    const pdf = await renderReportPdf(rendered, fonts, limits, deadline).catch((err: unknown) => {
      writer.destroy(err as Error);
      throw err;
    });
    const [, stored] = await Promise.all([pipeline(pdf, writer, { signal }), writer.stored]);
    return result(stored);
  }
  if (plan.format === 'pptx') {
    return result(
      await whole(run.keyFor('pptx'), PPTX_CONTENT_TYPE, await renderReportPptx(rendered, fonts, deadline)),
    );
  }

  // png: one picture per visual; several → one file each plus a manifest listing them (all or nothing).
  const visuals = pages.flatMap((p) => p.visuals.map((v) => ({ page: p, visual: v })));
  if (visuals.length === 1) {
    return result(
      await whole(
        run.keyFor('png'),
        PNG_CONTENT_TYPE,
        await renderVisualPng(visuals[0]!.visual, fonts, watermark),
      ),
    );
  }
  const written: StoredObject[] = [];
  try {
    const entries = [];
    for (const { page, visual } of visuals) {
      deadline.check();
      const png = await renderVisualPng(visual, fonts, watermark);
      const stored = await whole(run.fileKeyFor(`${page.id}--${visual.id}.png`), PNG_CONTENT_TYPE, png);
      written.push(stored);
      entries.push({
        pageId: page.id,
        visualId: visual.id,
        title: visual.title,
        key: stored.key,
        rows: visual.totalRows,
        bytes: stored.bytes,
        sha256: stored.sha256,
        width: visual.width * 2,
        height: visual.height * 2,
      });
    }
    const manifest = {
      version: 1,
      kind: 'report',
      reportId: document.reportId,
      title: document.title,
      format: 'png',
      entries,
      totals: { files: entries.length, rows, bytes: entries.reduce((s, e) => s + e.bytes, 0) },
    };
    const stored = await whole(
      run.fileKeyFor(MANIFEST_NAME),
      MANIFEST_CONTENT_TYPE,
      Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
    );
    return {
      ...result(stored),
      files: entries.map(({ key, rows: r, bytes, sha256 }) => ({ key, rows: r, bytes, sha256 })),
    };
  } catch (err) {
    await Promise.allSettled(written.map((s) => sink.remove(s.key)));
    throw err;
  }
}
