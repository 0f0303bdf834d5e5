import pptxModule from 'pptxgenjs';
import { PALETTE } from '../charts/chart-spec.ts';
import { cellText } from '../charts/to-svg.ts';
import { formatNumber } from '../charts/format.ts';
import { isNumericColumn } from '../collect-visual.ts';
import { filtersLine, generatedAtLine, truncationNote } from '../document-text.ts';
import type { FontSet } from '../fonts.ts';
import type { RenderDeadline } from '../limits.ts';
import type { RenderedReport, RenderedVisual } from '../report-model.ts';

// pptxgenjs's types describe a CommonJS module whose default export is the class; its ESM build exports the
// class itself as the default, which is what Node loads.
type Pptx = InstanceType<typeof pptxModule.default>;
type Slide = pptxModule.default.Slide;
const PptxGenJS = pptxModule as unknown as typeof pptxModule.default;

export const PPTX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

/** Rows of a table on one slide; longer tables go on over further slides of the same visual. */
const TABLE_ROWS_PER_SLIDE = 15;
const COLORS = PALETTE.map((c) => c.slice(1));
const FONT = 'DejaVu Sans';

/**
 * A rendered report → a deck: a title slide (report title, filters, generated-at), then one slide per
 * visual. Charts are native PowerPoint charts (chart XML with its data and an embedded workbook, so they
 * stay editable); tables are native tables; a KPI is a text shape. Written DEFLATE-compressed (a deck of
 * charts is mostly repetitive XML: ~25× smaller than stored).
 */
export async function renderReportPptx(
  report: RenderedReport,
  fonts: FontSet,
  deadline: RenderDeadline,
): Promise<Buffer> {
  const pptx = new PptxGenJS();
  pptx.layout = 'LAYOUT_16x9'; // 10 × 5.625 in
  pptx.title = report.title;
  pptx.company = 'sluice';
  const t = fonts.renderable;
  const generated = generatedAtLine(report.generatedAt, report.timeZone);

  const slides: Slide[] = [];
  const addSlide = (): Slide => {
    const slide = pptx.addSlide();
    slides.push(slide);
    return slide;
  };
  const title = addSlide();
  title.background = { color: '1F4E79' };
  title.addText(t(report.title), {
    x: 0.6,
    y: 1.5,
    w: 8.8,
    h: 1.0,
    fontFace: FONT,
    fontSize: 32,
    bold: true,
    color: 'FFFFFF',
  });
  const filterLines = Object.keys(report.filters).length
    ? Object.entries(report.filters).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
    : ['none'];
  title.addText(
    [
      { text: 'Filters', options: { bold: true, breakLine: true } },
      ...filterLines.map((line) => ({ text: t(line), options: { bullet: true, breakLine: true } })),
      { text: generated, options: { italic: true } },
    ],
    { x: 0.6, y: 2.7, w: 8.8, h: 2.4, fontFace: FONT, fontSize: 14, color: 'FFFFFF', valign: 'top' },
  );

  for (const page of report.pages) {
    for (const visual of page.visuals) {
      deadline.check();
      const head = (slide: Slide, suffix = '') => {
        slide.addText(t(`${visual.title}${suffix}`), {
          x: 0.4,
          y: 0.2,
          w: 9.2,
          h: 0.5,
          fontFace: FONT,
          fontSize: 20,
          bold: true,
          color: '1A1A1A',
        });
        slide.addText(t(`${page.title} · ${filtersLine(report.filters)}`), {
          x: 0.4,
          y: 0.65,
          w: 9.2,
          h: 0.3,
          fontFace: FONT,
          fontSize: 10,
          color: '5C6770',
        });
      };
      if (visual.kind === 'table') {
        addTableSlides(addSlide, visual, head, t);
        continue;
      }
      const slide = addSlide();
      head(slide);
      if (visual.kind === 'kpi') {
        const value = visual.rows[0]?.[0];
        slide.addText(typeof value === 'number' ? formatNumber(value) : '—', {
          x: 0.5,
          y: 1.6,
          w: 9,
          h: 1.8,
          fontFace: FONT,
          fontSize: 66,
          bold: true,
          color: '1F4E79',
          align: 'center',
        });
        slide.addText(t(visual.columns[0]?.name ?? ''), {
          x: 0.5,
          y: 3.5,
          w: 9,
          h: 0.5,
          fontFace: FONT,
          fontSize: 16,
          color: '5C6770',
          align: 'center',
        });
        continue;
      }
      const { type, options } = chartType(pptx, visual);
      slide.addChart(type, chartData(visual, t), {
        x: 0.4,
        y: 1.05,
        w: 9.2,
        h: 4.35,
        chartColors: COLORS,
        showLegend:
          visual.encoding.series !== undefined ||
          visual.columns.length > 2 ||
          visual.kind === 'pie' ||
          visual.kind === 'donut',
        legendPos: 'b',
        legendFontFace: FONT,
        catAxisLabelFontFace: FONT,
        valAxisLabelFontFace: FONT,
        catAxisLabelFontSize: 9,
        valAxisLabelFontSize: 9,
        valAxisLabelFormatCode: '#,##0',
        ...options,
      });
    }
  }
  // The shared link's watermark on every slide (not only the title slide: a slide copied out of the deck
  // keeps it), as a text shape on the slide itself rather than on the master, drawn last so it lies on top.
  if (report.watermark) {
    for (const slide of slides) stampWatermark(slide, t(report.watermark));
  }
  deadline.check();
  const bytes = await pptx.write({ outputType: 'nodebuffer', compression: true });
  return bytes as Buffer;
}

function chartType(
  pptx: Pptx,
  visual: RenderedVisual,
): { type: pptxModule.default.CHART_NAME; options: pptxModule.default.IChartOpts } {
  switch (visual.kind) {
    case 'line':
      return { type: pptx.ChartType.line, options: { lineSize: 2, lineDataSymbol: 'none' } };
    case 'area':
      return { type: pptx.ChartType.area, options: { barGrouping: 'stacked' } };
    case 'pie':
      return { type: pptx.ChartType.pie, options: { showPercent: true, showValue: false } };
    case 'donut':
      return {
        type: pptx.ChartType.doughnut,
        options: { holeSize: 55, showPercent: true, showValue: false },
      };
    default:
      return {
        type: pptx.ChartType.bar,
        options: { barDir: visual.encoding.dimensionAxis === 'y' ? 'bar' : 'col', barGrouping: 'clustered' },
      };
  }
}

/**
 * The collector's rows ([dimension, series?, ...measures]) as PowerPoint series: one per measure, or one
 * per series value when the encoding has a series; a category a series lacks is an empty point, not 0.
 */
export function chartData(
  visual: RenderedVisual,
  t: (s: string) => string,
): { name: string; labels: string[]; values: (number | null)[] }[] {
  const hasSeries = visual.encoding.series !== undefined;
  const labels: string[] = [];
  const seen = new Map<string, number>();
  for (const row of visual.rows) {
    const label = String(row[0]);
    if (!seen.has(label)) {
      seen.set(label, labels.length);
      labels.push(label);
    }
  }
  if (!hasSeries) {
    return visual.columns.slice(1).map((c, j) => ({
      name: t(c.name),
      labels: labels.map(t),
      values: visual.rows.map((row) => (row[1 + j] as number | null) ?? null),
    }));
  }
  const bySeries = new Map<string, (number | null)[]>();
  for (const row of visual.rows) {
    const name = String(row[1]);
    let values = bySeries.get(name);
    if (!values) {
      values = labels.map(() => null);
      bySeries.set(name, values);
    }
    values[seen.get(String(row[0]))!] = (row[2] as number | null) ?? null;
  }
  return [...bySeries].map(([name, values]) => ({ name: t(name), labels: labels.map(t), values }));
}

/** Large, light, diagonal text across the 10 × 5.625 in slide, the PDF's watermark in PowerPoint terms. */
function stampWatermark(slide: Slide, text: string): void {
  const size = Math.min(60, Math.max(18, 640 / Math.max(1, [...text].length)));
  slide.addText(text, {
    x: 0.5,
    y: 2.0,
    w: 9,
    h: 1.6,
    fontFace: FONT,
    fontSize: size,
    bold: true,
    color: 'B00020',
    transparency: 80,
    rotate: -29,
    align: 'center',
    valign: 'middle',
  });
}

function addTableSlides(
  addSlide: () => Slide,
  visual: RenderedVisual,
  head: (slide: Slide, suffix?: string) => void,
  t: (s: string) => string,
): void {
  const header: pptxModule.default.TableRow = visual.columns.map((c) => ({
    text: t(c.name),
    options: {
      bold: true,
      color: 'FFFFFF',
      fill: { color: '1F4E79' },
      align: isNumericColumn(c) ? 'right' : 'left',
    },
  }));
  const slides = Math.max(1, Math.ceil(visual.rows.length / TABLE_ROWS_PER_SLIDE));
  const note = truncationNote(visual);
  for (let s = 0; s < slides; s++) {
    const slide = addSlide();
    head(slide, slides > 1 ? ` (${s + 1} of ${slides})` : '');
    const rows = visual.rows.slice(s * TABLE_ROWS_PER_SLIDE, (s + 1) * TABLE_ROWS_PER_SLIDE).map((row, i) =>
      visual.columns.map((c, j) => ({
        text: t(cellText(row[j], c.type)),
        options: {
          align: isNumericColumn(c) ? ('right' as const) : ('left' as const),
          fill: { color: i % 2 ? 'F2F5F8' : 'FFFFFF' },
        },
      })),
    );
    slide.addTable([header, ...rows], {
      x: 0.4,
      y: 1.05,
      w: 9.2,
      fontFace: FONT,
      fontSize: 9,
      border: { type: 'solid', pt: 0.5, color: 'D0D7DE' },
      rowH: 0.25,
    });
    if (note && s === slides - 1) {
      slide.addText(t(note), {
        x: 0.4,
        y: 5.2,
        w: 9.2,
        h: 0.3,
        fontFace: FONT,
        fontSize: 9,
        color: '5C6770',
      });
    }
  }
}
