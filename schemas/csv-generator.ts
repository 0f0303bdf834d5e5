import { z } from 'zod';
import { MetricRequestSchema } from './metric-request.ts';

/**
 * The CSV generator's body (seed 004): columns bound to metric requests, combined into one CSV whose rows
 * are keyed by the period and the `rowFilters` dimensions.
 */
const dimensionName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { message: 'a dimension name: letters, digits and _' });

export const CsvColumnSchema = z.strictObject({
  /** The column label written to the CSV header. */
  heading: z.string().min(1).max(500),
  /** Binds the column to the metric request with this metricId; without it the column is a key column. */
  metricId: z.string().min(1).max(200).optional(),
  /** The measure read from that request's result (e.g. `entries`, `sales_volume`). */
  fetchValue: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { message: 'a measure name: letters, digits and _' })
    .optional(),
  /**
   * Key column: `period` (the default) or one of `rowFilters`. Metric column: `value` (the default), the
   * only field a metric result has today.
   */
  field: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { message: 'a field name: letters, digits and _' })
    .optional(),
  /** Restricts a metric column to a slice: dimension → value, e.g. `{ "taxonomy": "Products:Clothing" }`. */
  filter: z.record(dimensionName, z.string().max(500)).optional(),
});

/** Columns times metric requests in one CSV-generator body. */
export const MAX_COLUMNS_TIMES_REQUESTS = 2_000;

export const CsvGeneratorBodySchema = z
  .strictObject({
    csvFormat: z.strictObject({
      columns: z.array(CsvColumnSchema).min(1).max(500),
      sortBy: z.array(
        z
          .number({ message: 'sortBy holds column indices (integers into columns), not objects' })
          .int()
          .min(0),
        { message: 'sortBy must be an array of column indices' },
      ),
      rowFilters: z
        .array(dimensionName)
        .min(1, { message: 'rowFilters needs at least one dimension' })
        .max(8),
    }),
    metricRequests: z.array(MetricRequestSchema).min(1).max(50),
  })
  // Each metric column is bound to a request and read per row: the work grows with their product.
  .refine((b) => b.csvFormat.columns.length * b.metricRequests.length <= MAX_COLUMNS_TIMES_REQUESTS, {
    message: `columns × metricRequests at most ${MAX_COLUMNS_TIMES_REQUESTS} (the body's work limit)`,
    path: ['csvFormat', 'columns'],
  });

export type CsvColumn = z.infer<typeof CsvColumnSchema>;
export type CsvGeneratorBody = z.infer<typeof CsvGeneratorBodySchema>;
