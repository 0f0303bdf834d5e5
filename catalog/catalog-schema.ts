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

export const VisualSchema = z.strictObject({
  id: pageId,
  title: z.string(),
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
