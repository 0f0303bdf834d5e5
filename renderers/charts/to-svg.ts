import * as vega from 'vega';
import { compile } from 'vega-lite';
import { SluiceError } from '../../core/errors.ts';
import type { FontSet } from '../fonts.ts';
import type { RenderedVisual } from '../report-model.ts';
import { chartSpec } from './chart-spec.ts';
import { formatNumber } from './format.ts';

/**
 * Vega's default loader fetches any URL and reads any file a spec names (data, images). Our specs carry
 * their data inline, so every load is refused: a spec can never make the worker read /etc/passwd or call
 * an internal address.
 */
export function createRefusingLoader(refused: string[] = []): vega.Loader {
  const refuse = async (uri: string): Promise<never> => {
    refused.push(String(uri));
    throw new SluiceError(
      'REQUEST_INVALID',
      `a chart may not load ${JSON.stringify(uri)}: data is inline only`,
      {
        details: { uri },
      },
    );
  };
  return {
    load: refuse,
    sanitize: refuse,
    http: refuse,
    file: refuse,
  } as unknown as vega.Loader;
}

/**
 * A compiled Vega spec → SVG text, with no renderer, no canvas and no I/O. Vega logs a failed load and
 * draws on without the data, so a refused load is turned back into a failure here: never a chart that is
 * quietly missing its data.
 */
export async function vegaToSvg(spec: vega.Spec): Promise<string> {
  const refused: string[] = [];
  const view = new vega.View(vega.parse(spec), {
    renderer: 'none',
    loader: createRefusingLoader(refused),
    logLevel: vega.None,
  });
  try {
    const svg = await view.toSVG();
    if (refused.length > 0) {
      throw new SluiceError(
        'REQUEST_INVALID',
        `a chart may not load ${JSON.stringify(refused[0])}: data is inline only`,
        {
          details: { uri: refused[0] },
        },
      );
    }
    return svg;
  } finally {
    view.finalize();
  }
}

/** Any visual as an SVG of exactly `width × height` CSS pixels. */
export async function visualToSvg(
  visual: RenderedVisual,
  fonts: FontSet,
  tableNote?: string,
): Promise<string> {
  switch (visual.kind) {
    case 'kpi':
      return withFallbackRuns(kpiSvg(visual, fonts), fonts);
    case 'table':
      return withFallbackRuns(tableSvg(visual, fonts, tableNote), fonts);
    default:
      return withFallbackRuns(
        await vegaToSvg(compile(chartSpec(visual, fonts.family, fonts.renderable)).spec),
        fonts,
      );
  }
}

/**
 * The characters only the CJK fallback face draws, put in `<tspan font-family="…fallback…">` runs: the PDF
 * writer picks its font by family (svg-to-pdfkit cannot fall back by itself), and resvg is told the same.
 */
export function withFallbackRuns(svg: string, fonts: FontSet): string {
  const fallback = fonts.fallback;
  if (!fallback) return svg;
  return svg.replace(/(<(?:text|tspan)\b[^>]*>)([^<]+)/g, (whole, open: string, content: string) => {
    // eslint-disable-next-line no-control-regex -- ASCII is always the primary face's: skip the common case
    if (/^[\u0000-\u007f]*$/.test(content)) return whole;
    const runs = fonts.runs(content);
    if (runs.every((r) => r.face === 'primary')) return whole;
    return (
      open +
      runs
        .map((r) =>
          r.face === 'fallback' ? `<tspan font-family="${fallback.family}">${r.text}</tspan>` : r.text,
        )
        .join('')
    );
  });
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function kpiSvg(visual: RenderedVisual, fonts: FontSet): string {
  const { width: w, height: h } = visual;
  const value = visual.rows[0]?.[0];
  const measure = visual.columns[0]?.name ?? '';
  const shown = typeof value === 'number' ? formatNumber(value) : '—';
  const big = Math.min(h * 0.26, (w * 1.2) / Math.max(4, shown.length));
  const f = fonts.family;
  const t = (s: string) => escapeXml(fonts.renderable(s));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<rect width="${w}" height="${h}" fill="white" stroke="#d0d7de"/>` +
    `<text x="16" y="32" font-family="${f}" font-size="16" font-weight="bold" fill="#1a1a1a">${t(visual.title)}</text>` +
    `<text x="${w / 2}" y="${h / 2 + big / 3}" text-anchor="middle" font-family="${f}" font-size="${big.toFixed(1)}" font-weight="bold" fill="#1f4e79">${t(shown)}</text>` +
    `<text x="${w / 2}" y="${h - 24}" text-anchor="middle" font-family="${f}" font-size="14" fill="#555">${t(measure)}</text>` +
    `</svg>`
  );
}

const ROW_HEIGHT = 22;

/** A table as a picture (PNG only; PDF and PPTX draw real tables): as many rows as fit, then a note. */
function tableSvg(visual: RenderedVisual, fonts: FontSet, note?: string): string {
  const { width: w, height: h, columns } = visual;
  const f = fonts.family;
  const t = (s: string) => escapeXml(fonts.renderable(s));
  const top = 48;
  const fit = Math.max(0, Math.floor((h - top - ROW_HEIGHT - 28) / ROW_HEIGHT));
  const shown = visual.rows.slice(0, fit);
  const colWidth = (w - 32) / Math.max(1, columns.length);
  const maxChars = Math.max(4, Math.floor(colWidth / 7.5));
  const clip = (s: string) => (s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s);
  let body = '';
  columns.forEach((c, j) => {
    body += `<text x="${16 + j * colWidth + 4}" y="${top + 15}" font-family="${f}" font-size="12" font-weight="bold" fill="white">${t(clip(c.name))}</text>`;
  });
  shown.forEach((row, i) => {
    const y = top + ROW_HEIGHT * (i + 1);
    if (i % 2 === 1)
      body += `<rect x="16" y="${y}" width="${w - 32}" height="${ROW_HEIGHT}" fill="#f2f5f8"/>`;
    columns.forEach((c, j) => {
      const text = clip(cellText(row[j], c.type));
      body += `<text x="${16 + j * colWidth + 4}" y="${y + 15}" font-family="${f}" font-size="12" fill="#1a1a1a">${t(text)}</text>`;
    });
  });
  const footer =
    note ??
    (shown.length < visual.totalRows
      ? `${shown.length} of ${visual.totalRows} rows; the full data is in CSV/Parquet`
      : '');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<rect width="${w}" height="${h}" fill="white"/>` +
    `<text x="16" y="30" font-family="${f}" font-size="16" font-weight="bold" fill="#1a1a1a">${t(visual.title)}</text>` +
    `<rect x="16" y="${top}" width="${w - 32}" height="${ROW_HEIGHT}" fill="#1f4e79"/>` +
    body +
    (footer
      ? `<text x="16" y="${h - 10}" font-family="${f}" font-size="11" fill="#555">${t(footer)}</text>`
      : '') +
    `</svg>`
  );
}

export function cellText(value: unknown, type: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return type === 'float64' ? formatNumber(value) : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  return String(value);
}

/**
 * The shared-link watermark as SVG text laid diagonally across the picture, on top of everything, so it
 * lands in the pixels of a PNG (it is not a layer a viewer can hide).
 */
export function withWatermark(
  svg: string,
  text: string,
  width: number,
  height: number,
  fonts: FontSet,
): string {
  const diagonal = Math.hypot(width, height);
  // About 70% of the diagonal, whatever the text's length (a bold glyph is ~0.65 em wide).
  const size = Math.max(
    12,
    Math.min(Math.min(width, height) / 5, (diagonal * 0.7) / (0.65 * Math.max(1, [...text].length))),
  );
  const cx = width / 2;
  const cy = height / 2;
  const angle = (-Math.atan2(height, width) * 180) / Math.PI;
  const mark =
    `<g opacity="0.22"><text x="${cx}" y="${cy}" text-anchor="middle" dominant-baseline="middle" ` +
    `transform="rotate(${angle.toFixed(2)} ${cx} ${cy})" font-family="${fonts.family}" font-size="${size.toFixed(1)}" ` +
    `font-weight="bold" fill="#b00020">${escapeXml(fonts.renderable(text))}</text></g>`;
  const end = svg.lastIndexOf('</svg>');
  return `${svg.slice(0, end)}${withFallbackRuns(mark, fonts)}</svg>`;
}
