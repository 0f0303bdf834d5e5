import type { TopLevelSpec } from 'vega-lite';
import type { RenderedVisual } from '../report-model.ts';

/** The house style every chart shares: one font, muted grid, a palette that survives greyscale printing. */
export const PALETTE = [
  '#1f4e79',
  '#d9822b',
  '#3c8d5a',
  '#a23b3b',
  '#6b5b95',
  '#2a9d8f',
  '#8c6d31',
  '#5c6770',
];

/**
 * A chart visual (bar, line, area, pie, donut) as a Vega-Lite spec sized exactly `width × height` with
 * inline data only: the spec never names a URL or file (and the loader refuses any, see to-svg.ts).
 * `rows` are the collector's aggregated rows: [dimension, series?, ...measures].
 */
export function chartSpec(
  visual: RenderedVisual,
  family: string,
  renderable: (s: string) => string,
): TopLevelSpec {
  const { encoding, columns, rows } = visual;
  const hasSeries = encoding.series !== undefined;
  const keyCount = 1 + (hasSeries ? 1 : 0);
  const measureNames = columns.slice(keyCount).map((c) => c.name);
  // Long form (category, series, value) so several measures become several series, as charts expect.
  const values: Record<string, unknown>[] = [];
  for (const row of rows) {
    const category = renderable(String(row[0]));
    measureNames.forEach((m, j) => {
      const value = row[keyCount + j];
      if (value === null || value === undefined) return;
      values.push({
        category,
        series: renderable(hasSeries ? String(row[1]) : m),
        value,
      });
    });
  }
  const multi = hasSeries || measureNames.length > 1;
  const valueTitle = renderable(measureNames.length === 1 ? measureNames[0]! : 'value');
  const dimensionTitle = renderable(encoding.dimension ?? '');
  const color = multi
    ? {
        field: 'series',
        type: 'nominal' as const,
        title: renderable(encoding.series ?? 'measure'),
        scale: { range: PALETTE },
      }
    : { value: PALETTE[0]! };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: visual.width,
    height: visual.height,
    autosize: { type: 'fit' as const, contains: 'padding' as const },
    padding: 12,
    background: 'white',
    title: {
      text: renderable(visual.title),
      anchor: 'start' as const,
      fontSize: 16,
      font: family,
      color: '#1a1a1a',
    },
    data: { values },
    config: {
      font: family,
      axis: {
        labelFont: family,
        titleFont: family,
        labelColor: '#333',
        titleColor: '#333',
        gridColor: '#e6e6e6',
        domainColor: '#999',
      },
      legend: { labelFont: family, titleFont: family, orient: 'bottom' as const },
      view: { stroke: null },
    },
  };
  const category = { field: 'category', type: 'nominal' as const, title: dimensionTitle, sort: null };
  const quantity = {
    field: 'value',
    type: 'quantitative' as const,
    title: valueTitle,
    axis: { format: '~s' },
  };
  switch (visual.kind) {
    case 'pie':
    case 'donut':
      return {
        ...base,
        mark: {
          type: 'arc',
          innerRadius: visual.kind === 'donut' ? Math.min(visual.width, visual.height) / 6 : 0,
          stroke: 'white',
        },
        encoding: {
          theta: { field: 'value', type: 'quantitative', stack: true },
          color: {
            legend: { orient: 'right' },
            field: 'category',
            type: 'nominal',
            title: dimensionTitle,
            scale: { range: PALETTE },
            sort: null,
          },
          order: { field: 'category', sort: 'ascending' },
        },
      } as TopLevelSpec;
    case 'line':
    case 'area':
      return {
        ...base,
        mark:
          visual.kind === 'line'
            ? { type: 'line', point: rows.length <= 60, strokeWidth: 2 }
            : { type: 'area', opacity: 0.85, line: true },
        encoding: {
          x: { ...category, type: 'ordinal', axis: { labelAngle: -45, labelOverlap: true } },
          y: { ...quantity, ...(visual.kind === 'area' && multi ? { stack: 'zero' } : {}) },
          color,
        },
      } as TopLevelSpec;
    default: {
      const horizontal = encoding.dimensionAxis === 'y';
      const offset = multi && !hasSeries ? { [horizontal ? 'yOffset' : 'xOffset']: { field: 'series' } } : {};
      return {
        ...base,
        mark: { type: 'bar' },
        encoding: horizontal
          ? { y: category, x: quantity, color, ...offset }
          : {
              x: { ...category, axis: { labelAngle: -30, labelOverlap: true } },
              y: quantity,
              color,
              ...offset,
            },
      } as TopLevelSpec;
    }
  }
}
