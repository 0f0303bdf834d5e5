import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import type { Readable } from 'node:stream';
import { cellText, visualToSvg } from '../charts/to-svg.ts';
import { isNumericColumn } from '../collect-visual.ts';
import { filtersLine, generatedAtLine, truncationNote } from '../document-text.ts';
import type { FontSet, TextRun } from '../fonts.ts';
import { renderLimitExceeded, type RenderDeadline, type RenderLimits } from '../limits.ts';
import type { RenderedPage, RenderedReport, RenderedVisual } from '../report-model.ts';

export const PDF_CONTENT_TYPE = 'application/pdf';

// A4 landscape, in points: the shape of a slide, printable anywhere.
const PAGE = { width: 841.89, height: 595.28 };
const MARGIN = 40;
const FOOTER_H = 24;
const BOTTOM = PAGE.height - MARGIN - FOOTER_H;
const RIGHT = PAGE.width - MARGIN;
const GAP = 16;
/** An 800 px wide visual spans the text width; two 400 px ones sit side by side. */
const FULL_WIDTH_SCALE = (PAGE.width - 2 * MARGIN - GAP) / 800;
const ROW_H = 16;

const REGULAR = 'body';
const BOLD = 'bold';
const FALLBACK = 'cjk';
const INK = '#1a1a1a';
const MUTED = '#5c6770';
const ACCENT = '#1f4e79';

/**
 * A rendered report → a PDF stream: every report page starts a PDF page (content that does not fit flows
 * onto further pages headed "(continued)"); charts are vector drawings (Vega SVG → PDF paths and text, no
 * images); tables are real text, paged, their header row repeated on every page; DejaVu Sans embedded
 * (subset). Each page carries the report title, the filters, the generated-at time with its zone and
 * "Page n of N"; a watermark, when given, is drawn as text across every page, part of the page content.
 */
export async function renderReportPdf(
  report: RenderedReport,
  fonts: FontSet,
  limits: Pick<RenderLimits, 'maxPages' | 'maxTableRows'>,
  deadline: RenderDeadline,
): Promise<Readable> {
  const doc = new PDFDocument({
    size: [PAGE.width, PAGE.height],
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN },
    bufferPages: true,
    autoFirstPage: false,
    compress: true,
    info: { Title: fonts.renderable(report.title), Creator: 'sluice', CreationDate: report.generatedAt },
  });
  doc.registerFont(REGULAR, fonts.regular);
  doc.registerFont(BOLD, fonts.bold);
  if (fonts.fallback) doc.registerFont(FALLBACK, fonts.fallback.bytes);
  const say = (face: string, text: string, x: number, y: number, options: TextOptions) =>
    drawText(doc, fonts, face, text, x, y, options);
  const generated = generatedAtLine(report.generatedAt, report.timeZone);
  const filters = filtersLine(report.filters);
  let pageCount = 0;

  const addPage = (page: RenderedPage, continued: boolean): number => {
    pageCount += 1;
    if (pageCount > limits.maxPages) {
      throw renderLimitExceeded(`report ${report.reportId}: PDF pages`, limits.maxPages, {
        reportId: report.reportId,
      });
    }
    doc.addPage();
    doc.font(BOLD).fontSize(9).fillColor(MUTED);
    say(BOLD, report.title, MARGIN, MARGIN, { width: RIGHT - MARGIN, lineBreak: false });
    doc.font(BOLD).fontSize(18).fillColor(INK);
    say(BOLD, `${page.title}${continued ? ' (continued)' : ''}`, MARGIN, MARGIN + 14, {
      width: RIGHT - MARGIN,
      lineBreak: false,
    });
    doc.font(REGULAR).fontSize(9).fillColor(MUTED);
    say(REGULAR, `${filters}   ·   ${generated}`, MARGIN, MARGIN + 40, {
      width: RIGHT - MARGIN,
      lineBreak: false,
      ellipsis: true,
    });
    doc
      .moveTo(MARGIN, MARGIN + 56)
      .lineTo(RIGHT, MARGIN + 56)
      .lineWidth(0.75)
      .strokeColor(ACCENT)
      .stroke();
    return MARGIN + 68;
  };

  for (const page of report.pages) {
    deadline.check();
    let y = addPage(page, false);
    let x = MARGIN;
    let rowHeight = 0;
    const newLine = () => {
      if (rowHeight > 0) y += rowHeight + GAP;
      x = MARGIN;
      rowHeight = 0;
    };
    for (const visual of page.visuals) {
      deadline.check();
      if (visual.kind === 'table') {
        newLine();
        y = drawTable(visual, y);
        y += GAP;
        continue;
      }
      const scale = Math.min(
        FULL_WIDTH_SCALE,
        (RIGHT - MARGIN) / visual.width,
        (BOTTOM - (MARGIN + 68)) / visual.height,
      );
      const w = visual.width * scale;
      const h = visual.height * scale;
      if (x + w > RIGHT + 0.5) newLine();
      if (y + h > BOTTOM) {
        y = addPage(page, true);
        x = MARGIN;
        rowHeight = 0;
      }
      const svg = await visualToSvg(visual, fonts);
      deadline.check();
      // One SVG unit is one point (assumePt), scaled here: the chart lands exactly in its w × h box.
      doc.save();
      doc.translate(x, y).scale(scale);
      SVGtoPDF(doc, svg, 0, 0, {
        assumePt: true,
        fontCallback: (family, bold) =>
          fonts.fallback && family.includes(fonts.fallback.family) ? FALLBACK : bold ? BOLD : REGULAR,
        // Charts carry their data inline; an SVG asking for an image or another document gets nothing.
        imageCallback: () => '',
        documentCallback: () => undefined,
        warningCallback: () => {},
      });
      doc.restore();
      x += w + GAP;
      rowHeight = Math.max(rowHeight, h);
    }

    function drawTable(visual: RenderedVisual, top: number): number {
      const cols = visual.columns;
      const width = RIGHT - MARGIN;
      const colW = width / Math.max(1, cols.length);
      const align = cols.map((c) => (isNumericColumn(c) ? 'right' : 'left') as 'right' | 'left');
      let cy = top;
      if (cy + 22 + ROW_H * 3 > BOTTOM) cy = addPage(page, true);
      doc.font(BOLD).fontSize(12).fillColor(INK);
      say(BOLD, visual.title, MARGIN, cy, { width, lineBreak: false });
      cy += 20;
      const header = () => {
        doc.rect(MARGIN, cy, width, ROW_H).fill(ACCENT);
        doc.font(BOLD).fontSize(8.5).fillColor('white');
        cols.forEach((c, j) => {
          say(BOLD, c.name, MARGIN + j * colW + 4, cy + 4, {
            width: colW - 8,
            height: ROW_H,
            lineBreak: false,
            ellipsis: true,
            align: align[j],
          });
        });
        cy += ROW_H;
      };
      header();
      visual.rows.forEach((row, i) => {
        if (cy + ROW_H > BOTTOM) {
          deadline.check();
          cy = addPage(page, true);
          header();
        }
        if (i % 2 === 1) doc.rect(MARGIN, cy, width, ROW_H).fill('#f2f5f8');
        doc.font(REGULAR).fontSize(8.5).fillColor(INK);
        cols.forEach((c, j) => {
          say(REGULAR, cellText(row[j], c.type), MARGIN + j * colW + 4, cy + 4, {
            width: colW - 8,
            height: ROW_H,
            lineBreak: false,
            ellipsis: true,
            align: align[j],
          });
        });
        cy += ROW_H;
      });
      doc.moveTo(MARGIN, cy).lineTo(RIGHT, cy).lineWidth(0.5).strokeColor('#999').stroke();
      const note = truncationNote(visual);
      if (note) {
        if (cy + ROW_H > BOTTOM) cy = addPage(page, true);
        doc.font(REGULAR).fontSize(8.5).fillColor(MUTED);
        say(REGULAR, note, MARGIN, cy + 4, { width, lineBreak: false });
        cy += ROW_H;
      }
      return cy + 4;
    }
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Text below the bottom margin makes pdfkit start a new, blank page: the footer sits in the margin,
    // so the margin is lifted while it is drawn.
    const margins = doc.page.margins;
    doc.page.margins = { ...margins, bottom: 0 };
    const footY = PAGE.height - MARGIN - 10;
    doc
      .moveTo(MARGIN, footY - 6)
      .lineTo(RIGHT, footY - 6)
      .lineWidth(0.5)
      .strokeColor('#d0d7de')
      .stroke();
    doc.font(REGULAR).fontSize(8).fillColor(MUTED);
    say(REGULAR, `${report.title} · ${generated}`, MARGIN, footY, {
      width: (RIGHT - MARGIN) * 0.75,
      lineBreak: false,
      ellipsis: true,
    });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, MARGIN, footY, {
      width: RIGHT - MARGIN,
      align: 'right',
      lineBreak: false,
    });
    if (report.watermark) drawWatermark(doc, fonts, report.watermark);
    doc.page.margins = margins;
  }
  deadline.check();
  doc.end();
  return doc;
}

interface TextOptions {
  width: number;
  height?: number;
  lineBreak: false;
  ellipsis?: boolean;
  align?: 'left' | 'right' | 'center';
}

/**
 * One line of text in the current size and colour, in `face`; the characters only the CJK fallback face has
 * are drawn in it, run by run, laid out here (pdfkit cannot change font within one text call and still
 * align or cut the line), cut with an ellipsis where the line is wider than `width`.
 */
function drawText(
  doc: PDFKit.PDFDocument,
  fonts: FontSet,
  face: string,
  text: string,
  x: number,
  y: number,
  options: TextOptions,
): void {
  const runs = fonts.runs(text);
  if (runs.every((r) => r.face === 'primary')) {
    doc.font(face).text(runs.map((r) => r.text).join(''), x, y, options);
    return;
  }
  const fontOf = (r: TextRun) => (r.face === 'fallback' ? FALLBACK : face);
  const widthOf = (r: TextRun) => doc.font(fontOf(r)).widthOfString(r.text);
  let total = runs.reduce((sum, r) => sum + widthOf(r), 0);
  if (total > options.width) {
    const ellipsis = doc.font(face).widthOfString('…');
    const kept: TextRun[] = [];
    let used = 0;
    for (const r of runs) {
      let part = '';
      for (const ch of r.text) {
        const w = doc.font(fontOf(r)).widthOfString(part + ch);
        if (used + w + ellipsis > options.width) break;
        part += ch;
      }
      if (part) kept.push({ ...r, text: part });
      used += part ? doc.font(fontOf(r)).widthOfString(part) : 0;
      if (part !== r.text) break;
    }
    kept.push({ text: '…', face: 'primary' });
    runs.splice(0, runs.length, ...kept);
    total = used + ellipsis;
  }
  let cx =
    options.align === 'right'
      ? x + options.width - total
      : options.align === 'center'
        ? x + (options.width - total) / 2
        : x;
  for (const r of runs) {
    doc.font(fontOf(r)).text(r.text, cx, y, { lineBreak: false });
    cx += widthOf(r);
  }
  doc.font(face);
}

/** Large, light, diagonal text in the page's own content stream: it prints, and no viewer can hide it. */
function drawWatermark(doc: PDFKit.PDFDocument, fonts: FontSet, watermark: string): void {
  const text = fonts.renderable(watermark);
  const diagonal = Math.hypot(PAGE.width, PAGE.height);
  const size = Math.min(110, (diagonal * 0.7) / (0.65 * Math.max(1, [...text].length)));
  const angle = (-Math.atan2(PAGE.height, PAGE.width) * 180) / Math.PI;
  doc.save();
  doc.rotate(angle, { origin: [PAGE.width / 2, PAGE.height / 2] });
  doc.font(BOLD).fontSize(size).fillColor('#b00020').fillOpacity(0.18);
  const w = fonts
    .runs(text)
    .reduce((sum, r) => sum + doc.font(r.face === 'fallback' ? FALLBACK : BOLD).widthOfString(r.text), 0);
  drawText(doc, fonts, BOLD, text, PAGE.width / 2 - w / 2, PAGE.height / 2 - size / 2, {
    width: w + 1,
    lineBreak: false,
  });
  doc.restore();
}
