import type { RenderedReport, RenderedVisual } from './report-model.ts';

/** The lines every document format prints the same way, so PDF, PPTX and PNG agree word for word. */
export function filtersLine(filters: RenderedReport['filters']): string {
  const parts = Object.entries(filters).map(
    ([name, value]) => `${name} = ${Array.isArray(value) ? value.join(', ') : value}`,
  );
  return parts.length > 0 ? `Filters: ${parts.join('; ')}` : 'Filters: none';
}

/** "Generated 2026-12-04 15:58 CET (Europe/Berlin)": the reader knows which clock. */
export function generatedAtLine(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const zone = get('timeZoneName');
  return `Generated ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${zone}${zone === timeZone ? '' : ` (${timeZone})`}`;
}

/** Said under a table that shows fewer rows than its query returned. */
export function truncationNote(
  visual: Pick<RenderedVisual, 'rows' | 'totalRows'>,
  shown = visual.rows.length,
): string | undefined {
  return shown < visual.totalRows
    ? `${shown.toLocaleString('en-US')} of ${visual.totalRows.toLocaleString('en-US')} rows; the full data is in CSV/Parquet`
    : undefined;
}
