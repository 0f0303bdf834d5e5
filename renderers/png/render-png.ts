import { Resvg } from '@resvg/resvg-js';
import type { FontSet } from '../fonts.ts';
import type { RenderedVisual } from '../report-model.ts';
import { visualToSvg, withWatermark } from '../charts/to-svg.ts';

/** Device pixels per CSS pixel: an 800×450 visual is a 1600×900 PNG, sharp on high-density screens and slides. */
export const PNG_DENSITY = 2;

export const PNG_CONTENT_TYPE = 'image/png';

/**
 * One visual → PNG bytes at 2× density. resvg draws with the shipped fonts only (system fonts are not
 * loaded), so a PNG looks the same on every machine; the watermark, when given, is drawn into the pixels.
 */
export async function renderVisualPng(
  visual: RenderedVisual,
  fonts: FontSet,
  { watermark }: { watermark?: string } = {},
): Promise<Buffer> {
  let svg = await visualToSvg(visual, fonts);
  if (watermark) svg = withWatermark(svg, watermark, visual.width, visual.height, fonts);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: visual.width * PNG_DENSITY },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: [fonts.regularPath, fonts.boldPath, ...(fonts.fallback ? [fonts.fallback.path] : [])],
      defaultFontFamily: fonts.family,
    },
  });
  return resvg.render().asPng();
}
