import { z } from 'zod';
import { MetricRequestSchema } from '../schemas/metric-request.ts';

/**
 * The catalog as data: metrics over fact tables, the entity types requests name, and reports → pages →
 * visuals. Every name here may end up quoted in SQL, so names are restricted to a safe alphabet when the
 * catalog is loaded (requests can only pick among them, never add new ones).
 */
const catalogName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { message: 'a catalog name: a-z 0-9 _' });
const sqlName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/, {
  message: 'a table or column name: letters, digits, _ (and one dot for schema.table)',
});
const pageId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { message: 'an id: A-Z a-z 0-9 _ -' });

export const MeasureSchema = z.strictObject({
  aggregate: z.enum(['sum', 'count', 'min', 'max', 'count_distinct']),
  /** The fact column aggregated; `count` counts rows and needs none. */
  column: sqlName.optional(),
  /** The stored integer is in units of 10^-scale (cents: 2); results stay exact integers until shown. */
  scale: z.number().int().min(0).max(18).optional(),
});

export const MetricSchema = z.strictObject({
  title: z.string().optional(),
  /** `table` or `schema.table`. */
  table: sqlName,
  /** An instant column (timestamptz, DATETIME in UTC, TIMESTAMP, ISO text in SQLite). */
  timeColumn: sqlName,
  measures: z.record(catalogName, MeasureSchema),
  /** dimension name → fact column holding its values (text). */
  dimensions: z.record(catalogName, sqlName),
});

export const EntityTypeSchema = z.strictObject({
  /** The dimension whose values are this type's entity ids. */
  dimension: catalogName,
});

/** How a visual is drawn in rendered documents (pdf, png, pptx, xlsx); row formats ignore it. */
export const VISUAL_KINDS = ['table', 'bar', 'line', 'area', 'pie', 'donut', 'kpi'] as const;
export type VisualKind = (typeof VISUAL_KINDS)[number];

/**
 * Which result column goes where. `dimension` is `period` or one of the query's group columns (the entity
 * type's dimension, its facets); `series` splits the measure into one series per value of another such
 * column. Measures are summed over every column the encoding does not name.
 */
export const EncodingSchema = z.strictObject({
  dimension: catalogName.optional(),
  /** bar: `x` draws vertical bars (the default), `y` horizontal ones; line/area are always along x. */
  dimensionAxis: z.enum(['x', 'y']).optional(),
  /** A subset of the query's measures, in the order drawn; all of them when absent. */
  measures: z.array(catalogName).min(1).max(16).optional(),
  series: catalogName.optional(),
});

export const VisualSchema = z.strictObject({
  id: pageId,
  title: z.string(),
  /** `table` when absent, so catalogs written before rendered documents keep working. */
  kind: z.enum(VISUAL_KINDS).optional(),
  encoding: EncodingSchema.optional(),
  /** The visual's size in CSS pixels (PNG doubles it); 800×450 by default. */
  width: z.number().int().min(100).max(4000).optional(),
  height: z.number().int().min(100).max(4000).optional(),
  /** The metric query behind the visual: a standard metric request naming its measures. */
  query: MetricRequestSchema,
});

export const PageSchema = z.strictObject({
  id: pageId,
  title: z.string(),
  visuals: z.array(VisualSchema).min(1),
});

export const ReportSchema = z.strictObject({
  id: pageId,
  title: z.string(),
  /** Each visual's query is stopped after this long (QUERY_TIMEOUT); the report setting of seed 000. */
  queryTimeoutMs: z.number().int().min(1).max(3_600_000).optional(),
  pages: z.array(PageSchema).min(1),
});

export const CatalogSchema = z.strictObject({
  entityTypes: z.record(catalogName, EntityTypeSchema),
  metrics: z.record(catalogName, MetricSchema),
  reports: z.array(ReportSchema),
});

export type CatalogData = z.infer<typeof CatalogSchema>;
export type MetricDefinition = z.infer<typeof MetricSchema>;
export type MeasureDefinition = z.infer<typeof MeasureSchema>;
export type ReportDefinition = z.infer<typeof ReportSchema>;
export type VisualDefinition = z.infer<typeof VisualSchema>;
export type VisualEncoding = z.infer<typeof EncodingSchema>;
