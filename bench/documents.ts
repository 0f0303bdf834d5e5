/**
 * Rendered documents: the 5-page demo report (every visual kind, a 150-row table) to PDF, PPTX and PNG (one
 * per visual), and raw rows to xlsx at 100k and 1M rows. Each case runs in its own process so peak RSS is
 * that case's alone; a document case renders twice in its process (cold: first render, loading fonts,
 * Vega and the native renderer; warm: the second).
 *
 * Run:  npx tsx bench/documents.ts            (all cases)
 *       npx tsx bench/documents.ts xlsx 1000000
 */
import { spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { xlsxEncoder } from '../encoders/xlsx/xlsx-transform.ts';
import { baselineBatches, baselineColumns, peakRssMb } from './baseline-rows.ts';

const counter = () => {
  const sink = { bytes: 0 };
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      sink.bytes += chunk.byteLength;
      cb();
    },
  });
  return { sink, stream };
};

async function renderOnce(format: string): Promise<{ seconds: number; bytes: number; pages?: number }> {
  // Imported here, not at the top: the xlsx cases' processes must not carry Vega, pdfkit, resvg and
  // pptxgenjs (a larger live heap lets V8 grow the old generation further before a full GC).
  const { loadFontSet } = await import('../renderers/fonts.ts');
  const { createDeadline, DEFAULT_RENDER_LIMITS } = await import('../renderers/limits.ts');
  const { renderReportPdf } = await import('../renderers/pdf/render-pdf.ts');
  const { renderVisualPng } = await import('../renderers/png/render-png.ts');
  const { renderReportPptx } = await import('../renderers/pptx/render-pptx.ts');
  const { everyKindReport } = await import('../test/support/render-fixtures.ts');
  const started = performance.now();
  const fonts = loadFontSet();
  const report = everyKindReport({ tableRows: 150 });
  let bytes = 0;
  if (format === 'pdf') {
    const { sink, stream } = counter();
    await pipeline(
      await renderReportPdf(report, fonts, DEFAULT_RENDER_LIMITS, createDeadline(60_000)),
      stream,
    );
    bytes = sink.bytes;
  } else if (format === 'pptx') {
    bytes = (await renderReportPptx(report, fonts, createDeadline(60_000))).byteLength;
  } else {
    for (const page of report.pages)
      for (const v of page.visuals) bytes += (await renderVisualPng(v, fonts)).byteLength;
  }
  return { seconds: (performance.now() - started) / 1000, bytes };
}

async function child(kind: string, arg: string): Promise<object> {
  if (kind === 'xlsx') {
    const rows = Number(arg);
    const { sink, stream } = counter();
    const started = performance.now();
    await pipeline(
      Readable.from(baselineBatches(rows), { objectMode: true, highWaterMark: 2 }),
      xlsxEncoder.create(baselineColumns, {}),
      stream,
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      case: `xlsx ${rows} rows`,
      seconds,
      rowsPerSecond: Math.round(rows / seconds),
      mb: sink.bytes / 1e6,
      peakRssMb: peakRssMb(),
    };
  }
  const cold = await renderOnce(arg);
  const warm = await renderOnce(arg);
  return {
    case: `${arg} of the 5-page report`,
    cold: cold.seconds,
    warm: warm.seconds,
    kb: warm.bytes / 1e3,
    peakRssMb: peakRssMb(),
  };
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await child(process.argv[3]!, process.argv[4]!)));
} else {
  const cases = process.argv[2]
    ? [[process.argv[2], process.argv[3]!]]
    : [
        ['doc', 'pdf'],
        ['doc', 'pptx'],
        ['doc', 'png'],
        ['xlsx', '100000'],
        ['xlsx', '1000000'],
      ];
  for (const [kind, arg] of cases) {
    const out = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind!, arg!],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    console.log(out.stdout.trim());
  }
}
