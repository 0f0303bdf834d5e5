import { createVisualCollector, type VisualDescription } from '../../renderers/collect-visual.ts';
import type { RenderedReport, RenderedVisual } from '../../renderers/report-model.ts';
import type { Column } from '../../schemas/column.ts';

/**
 * A report of every visual kind over made-up rows (period × location × measures), passed through the same
 * collector the worker uses; names in Latin, Cyrillic, Greek and one CJK name no shipped font can draw.
 */
export const LOCATIONS = ['Berlin Mitte', 'Київ Поділ', 'Αθήνα Πλάκα', 'Zürich HB', '東京 Shibuya'];

export const FACT_COLUMNS: Column[] = [
  { name: 'period', type: 'string' },
  { name: 'entity', type: 'string' },
  { name: 'region', type: 'string' },
  { name: 'entries', type: 'int64' },
  { name: 'sales_volume', type: 'decimal', precision: 38, scale: 2 },
];

export function factRows(days = 30): unknown[][] {
  const rows: unknown[][] = [];
  for (let d = 1; d <= days; d++) {
    LOCATIONS.forEach((entity, i) => {
      const entries = 400 + ((d * 37 + i * 91) % 250) + i * 60;
      rows.push([
        `2024-04-${String(d).padStart(2, '0')}`,
        entity,
        i % 2 === 0 ? 'North' : 'South',
        BigInt(entries),
        (entries * 3.17).toFixed(2),
      ]);
    });
  }
  return rows;
}

export function collect(
  description: Partial<VisualDescription> & Pick<VisualDescription, 'id' | 'kind'>,
  rows = factRows(),
  maxTableRows = 1000,
): RenderedVisual {
  const collector = createVisualCollector(
    { title: description.id, encoding: {}, width: 800, height: 450, ...description },
    FACT_COLUMNS,
    { maxTableRows, maxChartPoints: 2000 },
  );
  collector.add(rows);
  return collector.finish();
}

export function everyKindReport(
  options: { watermark?: string; tableRows?: number; maxTableRows?: number } = {},
): RenderedReport {
  const detailRows = factRows(Math.ceil((options.tableRows ?? 150) / LOCATIONS.length));
  return {
    reportId: 'store-overview',
    title: 'Store overview, April 2024',
    filters: { region: ['North', 'South'] },
    generatedAt: new Date('2026-12-04T15:30:00Z'),
    timeZone: 'Europe/Berlin',
    ...(options.watermark ? { watermark: options.watermark } : {}),
    pages: [
      {
        id: 'headline',
        title: 'Headline figures',
        visuals: [
          collect({
            id: 'total_entries',
            title: 'Entries in April',
            kind: 'kpi',
            encoding: { measures: ['entries'] },
            width: 400,
            height: 225,
          }),
          collect({
            id: 'total_sales',
            title: 'Sales volume in April',
            kind: 'kpi',
            encoding: { measures: ['sales_volume'] },
            width: 400,
            height: 225,
          }),
        ],
      },
      {
        id: 'trend',
        title: 'Daily trend',
        visuals: [
          collect({
            id: 'entries_trend',
            title: 'Entries by day and location',
            kind: 'line',
            encoding: { dimension: 'period', series: 'entity', measures: ['entries'] },
          }),
          collect({
            id: 'sales_trend',
            title: 'Sales volume by day',
            kind: 'area',
            encoding: { dimension: 'period', measures: ['sales_volume'] },
          }),
        ],
      },
      {
        id: 'breakdown',
        title: 'Breakdown',
        visuals: [
          collect({
            id: 'entries_by_location',
            title: 'Entries and sales by location',
            kind: 'bar',
            encoding: { dimension: 'entity', measures: ['entries', 'sales_volume'] },
          }),
          collect({
            id: 'sales_by_region',
            title: 'Sales volume by region',
            kind: 'bar',
            encoding: { dimension: 'region', dimensionAxis: 'y', measures: ['sales_volume'] },
          }),
        ],
      },
      {
        id: 'shares',
        title: 'Shares',
        visuals: [
          collect({
            id: 'entries_share',
            title: 'Share of entries by location',
            kind: 'pie',
            encoding: { dimension: 'entity', measures: ['entries'] },
            width: 400,
            height: 300,
          }),
          collect({
            id: 'sales_share',
            title: 'Share of sales by region',
            kind: 'donut',
            encoding: { dimension: 'region', measures: ['sales_volume'] },
            width: 400,
            height: 300,
          }),
        ],
      },
      {
        id: 'detail',
        title: 'Daily detail',
        visuals: [
          collect(
            { id: 'daily_detail', title: 'Entries per day and location', kind: 'table' },
            detailRows,
            options.maxTableRows ?? 1000,
          ),
        ],
      },
    ],
  };
}
