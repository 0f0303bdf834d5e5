import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import { vegaToSvg } from '../../renderers/charts/to-svg.ts';
import { loadFontSet } from '../../renderers/fonts.ts';
import { createDeadline, DEFAULT_RENDER_LIMITS } from '../../renderers/limits.ts';
import { renderReportPdf } from '../../renderers/pdf/render-pdf.ts';
import { renderVisualPng } from '../../renderers/png/render-png.ts';
import { renderReportPptx } from '../../renderers/pptx/render-pptx.ts';
import { renderReportXlsx } from '../../renderers/xlsx/render-report-xlsx.ts';
import { decodePng } from '../support/png-pixels.ts';
import { collect, everyKindReport, FACT_COLUMNS, factRows } from '../support/render-fixtures.ts';

/**
 * Every document is read back by a program that did not write it: poppler for PDF, SheetJS for xlsx,
 * unzip and the chart XML for PPTX, a PNG decoder written from the spec for PNG.
 */
const fonts = loadFontSet();
const dir = mkdtempSync(join(tmpdir(), 'sluice-render-'));
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
const deadline = () => createDeadline(60_000);

async function writePdf(
  name: string,
  report = everyKindReport(),
  limits = DEFAULT_RENDER_LIMITS,
): Promise<string> {
  const path = join(dir, name);
  await pipeline(await renderReportPdf(report, fonts, limits, deadline()), createWriteStream(path));
  return path;
}

describe('PDF', () => {
  let path: string;
  let pages: string[];
  beforeAll(async () => {
    path = await writePdf(
      'report.pdf',
      everyKindReport({ watermark: 'Shared with ACME audit', tableRows: 150, maxTableRows: 100 }),
      {
        ...DEFAULT_RENDER_LIMITS,
        maxTableRows: 100,
      },
    );
    const count = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [path]))![1]);
    pages = Array.from({ length: count }, (_, i) =>
      run('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), '-raw', path, '-']),
    );
  });

  it('starts every report page on a new PDF page, headed with title, filters and a zoned generated-at', () => {
    const starts = ['Headline figures', 'Daily trend', 'Breakdown', 'Shares', 'Daily detail'].map((title) =>
      pages.findIndex((text) => new RegExp(`^\\s*${title}\\s*$`, 'm').test(text)),
    );
    expect(starts.every((i, k) => i >= 0 && (k === 0 || i > starts[k - 1]!))).toBe(true);
    for (const text of pages) {
      expect(text).toContain('Store overview, April 2024');
      expect(text).toContain('Filters: region = North, South');
      expect(text).toMatch(/Generated 2026-12-04 16:30 GMT\+1 \(Europe\/Berlin\)/);
    }
  });

  it('numbers every page "Page n of N" and has no blank page', () => {
    pages.forEach((text, i) => {
      expect(text).toContain(`Page ${i + 1} of ${pages.length}`);
      // Besides the header and footer, every page has content of its own.
      expect(text.split('\n').filter((l) => l.trim()).length).toBeGreaterThan(6);
    });
  });

  it('pages a long table with its header repeated, and says how many rows it left out', () => {
    const tablePages = pages.filter((text) => /Daily detail/.test(text) && /2024-04-\d\d/.test(text));
    expect(tablePages.length).toBeGreaterThan(2);
    for (const text of tablePages) expect(text).toMatch(/period\s+entity\s+region\s+entries\s+sales_volume/);
    const all = tablePages.join('\n');
    expect(all.match(/^\s*2024-04-\d\d\s/gm)).toHaveLength(100);
    expect(all).toContain('100 of 150 rows; the full data is in CSV/Parquet');
  });

  it('draws charts as vectors (no images), embeds its fonts, renders Latin, Cyrillic and Greek, marks what it cannot', () => {
    const images = run('pdfimages', ['-list', path]).trim().split('\n');
    expect(images).toHaveLength(2); // the two header lines: no image at all
    const fontsTable = run('pdffonts', [path]).trim().split('\n').slice(2);
    expect(fontsTable.length).toBeGreaterThan(0);
    for (const line of fontsTable)
      expect(line).toMatch(/(DejaVuSans|DroidSansFallback).*\byes\s+yes\s+yes\b/);
    const all = pages.join('\n');
    expect(all).toContain('Київ Поділ');
    expect(all).toContain('Αθήνα Πλάκα');
    expect(all).toContain('Zürich HB');
    // 東京 has no glyph in DejaVu Sans; the CJK fallback face draws it, in tables and in chart labels alike.
    expect(all).toContain('東京 Shibuya');
    // Chart text is text: axis titles and legend entries are extractable.
    expect(all).toContain('Entries by day and location');
    expect(all).toContain('sales_volume');
  });

  it('renders Chinese, Japanese, Hebrew and Arabic from titles and values; U+FFFD for what no face has', async () => {
    expect(fonts.fallback?.family).toBe('Droid Sans Fallback'); // installed by .ci/run and the Dockerfile
    const report = everyKindReport({ tableRows: 10, watermark: '社外秘 ACME' });
    report.title = 'Umsatz 東京 שלום עולם مرحبا بالعالم 서울';
    report.pages[4]!.visuals[0]!.rows[0]![1] = 'オフィス 大阪';
    const file = await writePdf('scripts.pdf', report);
    const first = run('pdftotext', ['-f', '1', '-l', '1', '-raw', file, '-']);
    expect(first).toContain('Umsatz 東京');
    // poppler hands right-to-left words back in logical order (between embedding marks)
    for (const word of ['שלום', 'עולם', 'مرحبا', 'بالعالم']) expect(first).toContain(word);
    // Hangul is in neither face: each syllable is U+FFFD, visibly, never silently dropped or a blank box.
    expect(first).toContain('\uFFFD\uFFFD');
    expect(first).not.toContain('서울');
    expect(first.replace(/\s+/g, '')).toContain('社外秘ACME');
    expect(run('pdftotext', ['-raw', file, '-'])).toContain('オフィス 大阪');
    expect(run('pdffonts', [file])).toMatch(/DroidSansFallback.*\byes\s+yes\s+yes\b/);
  });

  it('carries the watermark as page text on every page', () => {
    // Drawn diagonally, so poppler reads it in pieces; joined up it is there on every page.
    for (const text of pages) expect(text.replace(/\s+/g, '')).toContain('SharedwithACMEaudit');
  });

  it('fails with RENDER_LIMIT_EXCEEDED past the page limit, and RENDER_TIMEOUT past the render time', async () => {
    await expect(
      writePdf('limit.pdf', everyKindReport(), { ...DEFAULT_RENDER_LIMITS, maxPages: 3 }),
    ).rejects.toMatchObject({
      code: 'RENDER_LIMIT_EXCEEDED',
    });
    let now = 0;
    const late = createDeadline(1000, undefined, () => (now += 600));
    await expect(
      renderReportPdf(everyKindReport(), fonts, DEFAULT_RENDER_LIMITS, late),
    ).rejects.toMatchObject({
      code: 'RENDER_TIMEOUT',
    });
  });
});

describe('PNG', () => {
  it('renders a visual at 2x density, and the watermark changes its pixels', async () => {
    const visual = collect({
      id: 'bars',
      title: 'Entries by location',
      kind: 'bar',
      encoding: { dimension: 'entity', measures: ['entries'] },
    });
    const plain = decodePng(await renderVisualPng(visual, fonts));
    const marked = decodePng(await renderVisualPng(visual, fonts, { watermark: 'CONFIDENTIAL' }));
    expect([plain.width, plain.height]).toEqual([1600, 900]);
    expect([marked.width, marked.height]).toEqual([1600, 900]);
    let changed = 0;
    for (let i = 0; i < plain.rgba.length; i += 4)
      if (plain.rgba.readUInt32BE(i) !== marked.rgba.readUInt32BE(i)) changed++;
    expect(changed).toBeGreaterThan(10_000);
    // The bars are drawn in the palette's first colour (#1f4e79), so the picture is a chart, not a blank.
    let bar = 0;
    for (let i = 0; i < plain.rgba.length; i += 4)
      if (plain.rgba[i] === 0x1f && plain.rgba[i + 1] === 0x4e && plain.rgba[i + 2] === 0x79) bar++;
    expect(bar).toBeGreaterThan(50_000);
  });

  it('draws CJK text with real glyphs, not boxes: two different words give different pixels', async () => {
    const kpi = (title: string) =>
      collect({ id: 'k', title, kind: 'kpi', encoding: { measures: ['entries'] }, width: 400, height: 225 });
    const tokyo = decodePng(await renderVisualPng(kpi('東京'), fonts));
    const osaka = decodePng(await renderVisualPng(kpi('大阪'), fonts));
    const missing = decodePng(await renderVisualPng(kpi('서울'), fonts)); // no face: U+FFFD twice
    const differ = (a: typeof tokyo, b: typeof tokyo) => {
      let n = 0;
      for (let i = 0; i < a.rgba.length; i += 4) if (a.rgba.readUInt32BE(i) !== b.rgba.readUInt32BE(i)) n++;
      return n;
    };
    // A font without the glyphs draws the same box (.notdef) for every character: both titles alike.
    expect(differ(tokyo, osaka)).toBeGreaterThan(100);
    expect(differ(tokyo, missing)).toBeGreaterThan(100);
  });

  it('renders every kind at its own size, each one carrying the watermark in its pixels', async () => {
    for (const page of everyKindReport().pages) {
      for (const visual of page.visuals) {
        const png = decodePng(await renderVisualPng(visual, fonts));
        expect([png.width, png.height]).toEqual([visual.width * 2, visual.height * 2]);
        const marked = decodePng(await renderVisualPng(visual, fonts, { watermark: 'Shared: ACME' }));
        let changed = 0;
        for (let i = 0; i < png.rgba.length; i += 4)
          if (png.rgba.readUInt32BE(i) !== marked.rgba.readUInt32BE(i)) changed++;
        expect(changed, visual.id).toBeGreaterThan(2_000);
      }
    }
  });
});

describe('PPTX', () => {
  it('has a title slide with the filters, one slide per visual, native charts with their data and native tables', async () => {
    const report = everyKindReport({ tableRows: 20 });
    const path = join(dir, 'deck.pptx');
    writeFileSync(path, await renderReportPptx(report, fonts, deadline()));
    const parts = run('unzip', ['-Z1', path]).trim().split('\n');
    const slides = parts.filter((p) => /^ppt\/slides\/slide\d+\.xml$/.test(p));
    // title + 9 visuals, the 20-row table taking 2 slides of 15
    expect(slides).toHaveLength(1 + 8 + 2);
    const slide = (n: number) => run('unzip', ['-p', path, `ppt/slides/slide${n}.xml`]);
    expect(slide(1)).toContain('region: North, South');
    expect(slide(1)).toContain('Store overview, April 2024');
    expect(parts.filter((p) => /^ppt\/charts\/chart\d+\.xml$/.test(p))).toHaveLength(6);
    expect(parts.some((p) => p.startsWith('ppt/embeddings/'))).toBe(true);
    expect(slide(10)).toContain('<a:tbl>');
    expect(slide(4)).toContain('<p:graphicFrame');

    // The line chart (entries by day, one series per location) carries the collector's sums.
    const line = report.pages[1]!.visuals[0]!;
    const xmls = parts
      .filter((p) => /^ppt\/charts\/chart\d+\.xml$/.test(p))
      .map((p) => run('unzip', ['-p', path, p]));
    const lineXml = xmls.find((x) => x.includes('<c:lineChart>'))!;
    const series = [...lineXml.matchAll(/<c:ser>([\s\S]*?)<\/c:ser>/g)].map((m) => m[1]!);
    expect(series).toHaveLength(5);
    const berlin = series.find((s) => s.includes('Berlin Mitte'))!;
    const values = [...berlin.split('<c:val>')[1]!.matchAll(/<c:v>([^<]*)<\/c:v>/g)].map((m) => Number(m[1]));
    const expected = line.rows.filter((r) => r[1] === 'Berlin Mitte').map((r) => r[2]);
    expect(values).toEqual(expected);
    expect(xmls.some((x) => x.includes('<c:pieChart>'))).toBe(true);
    expect(xmls.some((x) => x.includes('<c:doughnutChart>'))).toBe(true);
    expect(xmls.some((x) => x.includes('<c:areaChart>'))).toBe(true);
    expect(xmls.filter((x) => x.includes('<c:barChart>'))).toHaveLength(2);
  });

  it('carries the watermark on every slide, title, charts and every table slide alike', async () => {
    const path = join(dir, 'marked.pptx');
    const report = everyKindReport({ tableRows: 20, watermark: 'Shared with ACME & Co' });
    writeFileSync(path, await renderReportPptx(report, fonts, deadline()));
    const slides = run('unzip', ['-Z1', path])
      .trim()
      .split('\n')
      .filter((p) => /^ppt\/slides\/slide\d+\.xml$/.test(p));
    expect(slides).toHaveLength(11);
    for (const part of slides) {
      const xml = run('unzip', ['-p', path, part]);
      // A text shape of the slide itself (not the master), rotated across it.
      expect(xml, part).toContain('<a:t>Shared with ACME &amp; Co</a:t>');
      expect(xml, part).toMatch(/<a:xfrm rot="-?\d+"/);
    }
    const plain = join(dir, 'plain.pptx');
    writeFileSync(plain, await renderReportPptx(everyKindReport({ tableRows: 20 }), fonts, deadline()));
    expect(run('unzip', ['-p', plain, 'ppt/slides/slide2.xml'])).not.toContain('ACME');
  });
});

describe('report workbook', () => {
  it('writes a sheet per visual named after it, with all its rows and SUM totals', async () => {
    const rows = factRows(30);
    const open = (batch: unknown[][]) => async () => ({
      columns: FACT_COLUMNS,
      batches: Readable.from([batch.slice(0, 70), batch.slice(70)]),
    });
    const wb = renderReportXlsx([
      { title: 'Entries per day and location', open: open(rows) },
      { title: 'Entries per day and location', open: open(rows.slice(0, 10)) },
    ]);
    const chunks: Buffer[] = [];
    for await (const c of wb.output) chunks.push(c as Buffer);
    expect(await wb.done).toEqual({ rows: 160 });
    const book = XLSX.read(Buffer.concat(chunks), { type: 'buffer', cellFormula: true });
    // 31 characters at most: the suffix that makes the name unique takes room from the title.
    expect(book.SheetNames).toEqual(['Entries per day and location', 'Entries per day and locatio (2)']);
    const ws = book.Sheets['Entries per day and location']!;
    expect(ws.A152!.v).toBe('Total');
    expect(ws.D152!.f).toBe('SUM(D2:D151)');
    expect(ws.D152!.v).toBe(rows.reduce((s, r) => s + Number(r[3]), 0));
    expect(ws.E152!.f).toBe('SUM(E2:E151)');
    expect(ws.E152!.v).toBeCloseTo(
      rows.reduce((s, r) => s + Number(r[4]), 0),
      6,
    );
    expect(ws['!freeze'] ?? true).toBeTruthy();
  });
});

describe('charts', () => {
  it('refuse to load anything a spec names', async () => {
    const spec = { data: [{ name: 'x', url: '/etc/passwd', format: { type: 'csv' } }], marks: [] };
    await expect(vegaToSvg(spec as never)).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      details: { uri: '/etc/passwd' },
    });
  });
});
