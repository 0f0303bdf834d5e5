import { z } from 'zod';

/**
 * The standard metric request (seed 004): what every metric route and each of the CSV generator's
 * `metricRequests` takes. Names (entityType, facets, measures) are checked against the catalog when the
 * request is resolved, so an unknown one is an error naming it, never text in SQL.
 */
const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { message: 'a name: letters, digits and _, starting with a letter' });

/**
 * Planning and running a metric request costs in proportion to the instants it spans and the periods it
 * cuts them into (zone offsets are found across the span, one row comes back per period and entity), so both
 * are capped: a request for 0001–9999 is a 400 naming the limit, not minutes of a blocked process.
 */
export const MAX_METRIC_SPAN_DAYS = 3_700;
export const MAX_METRIC_PERIODS = 100_000;
/**
 * Metric plans one body may ask for: a report export's visuals, a CSV generator's distinct
 * (metricRequest, filter) queries. Each is planned, compiled and run on its own.
 */
export const MAX_PLANS_PER_REQUEST = 200;
const PERIOD_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 };

export const AggregationPeriodSchema = z.enum(['hour', 'day', 'week', 'month']);

export const MetricRequestSchema = z
  .strictObject({
    /** Labels the request, so CSV columns can bind to it. */
    metricId: z.string().min(1).max(200).optional(),
    /** Human-readable label. */
    name: z.string().min(1).max(500).optional(),
    /** Instants with an explicit zone (`Z` or ±hh:mm); `end` is inclusive, as in the seed's example. */
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
    /** Ids of the entities of `entityType` (bound as values, never written into SQL). */
    entities: z.array(z.string().min(1).max(200)).min(1).max(10_000),
    entityType: name,
    /** Extra dimensions the result is broken down by (besides the period and the entity). */
    facets: z.array(name).max(8).optional(),
    aggregationPeriod: AggregationPeriodSchema,
    /** IANA time zone the periods are cut in (day, week = ISO week from Monday, month). Default UTC. */
    timeZone: z.string().min(1).max(64).optional(),
    /**
     * The measures to compute (`entries`, `sales_volume`); a route names its own when absent. The CSV
     * generator takes them from its columns' `fetchValue`.
     */
    measures: z.array(name).min(1).max(16).optional(),
  })
  .refine((r) => Date.parse(r.start) <= Date.parse(r.end), {
    message: 'end must not be before start',
    path: ['end'],
  })
  .refine((r) => Date.parse(r.end) - Date.parse(r.start) <= MAX_METRIC_SPAN_DAYS * 86_400_000, {
    message: `at most ${MAX_METRIC_SPAN_DAYS} days after start (the span limit)`,
    path: ['end'],
  })
  .refine(
    (r) => (Date.parse(r.end) - Date.parse(r.start)) / PERIOD_MS[r.aggregationPeriod] <= MAX_METRIC_PERIODS,
    {
      message: `at most ${MAX_METRIC_PERIODS} periods between start and end (the period limit)`,
      path: ['aggregationPeriod'],
    },
  );

export type MetricRequest = z.infer<typeof MetricRequestSchema>;
export type AggregationPeriod = z.infer<typeof AggregationPeriodSchema>;
