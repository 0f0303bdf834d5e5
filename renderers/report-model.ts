import type { Column } from '../schemas/column.ts';

/**
 * What every renderer takes: a report already run, as plain data. Nothing here knows about SQL, sources or
 * Kafka; the worker fills it from the units a plan ran, and tests and benches fill it by hand.
 */
export type VisualKind = 'table' | 'bar' | 'line' | 'area' | 'pie' | 'donut' | 'kpi';

export interface VisualEncoding {
  /** A column of `columns` the chart is drawn along (x, or y for horizontal bars). */
  dimension?: string;
  dimensionAxis?: 'x' | 'y';
  /** Columns of `columns` holding numbers; all numeric columns when absent. */
  measures?: string[];
  series?: string;
}

/** A value as sources give it (see schemas/column.ts): numbers, bigints, decimal strings, dates as days… */
export type CellValue = unknown;

export interface RenderedVisual {
  id: string;
  title: string;
  kind: VisualKind;
  encoding: VisualEncoding;
  /** CSS pixels; a PNG is twice this. */
  width: number;
  height: number;
  columns: Column[];
  /**
   * Tables: the first rows, at most the table row limit. Charts: rows aggregated by the encoding (see
   * collect-visual.ts), so a chart never holds more than its points.
   */
  rows: CellValue[][];
  /** Rows the query returned, which may be more than `rows` holds. */
  totalRows: number;
}

export interface RenderedPage {
  id: string;
  title: string;
  visuals: RenderedVisual[];
}

export interface RenderedReport {
  reportId: string;
  title: string;
  /** dimension → value(s), as applied to every visual; shown on the document. */
  filters: Record<string, string | string[]>;
  generatedAt: Date;
  /** IANA zone the generated-at line is written in (UTC by default). */
  timeZone: string;
  /** Drawn across every PDF page and into every PNG when the export came through a shared link. */
  watermark?: string;
  pages: RenderedPage[];
}
