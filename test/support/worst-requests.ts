import { MAX_COLUMNS_TIMES_REQUESTS } from '../../schemas/csv-generator.ts';
import {
  MAX_METRIC_PERIODS,
  MAX_METRIC_SPAN_DAYS,
  MAX_PLANS_PER_REQUEST,
} from '../../schemas/metric-request.ts';

const DAY_MS = 86_400_000;

/**
 * The most a metric request may ask for: the longest span, at the finest period that span allows, in a
 * zone with half-hour DST changes (the most offset transitions to find).
 */
export function worstMetricRequest(metricId: string, entity: string, measures?: string[]) {
  const start = Date.parse('2015-01-01T00:00:00Z');
  const hours = Math.min(MAX_METRIC_SPAN_DAYS * 24, MAX_METRIC_PERIODS);
  return {
    metricId,
    start: new Date(start).toISOString(),
    end: new Date(start + Math.min(hours * 3_600_000, MAX_METRIC_SPAN_DAYS * DAY_MS)).toISOString(),
    entities: [entity],
    entityType: 'location',
    aggregationPeriod: 'hour',
    timeZone: 'Australia/Lord_Howe',
    ...(measures ? { measures } : {}),
  };
}

/**
 * The largest CSV-generator body the caps allow: columns × metricRequests at its limit, and as many
 * distinct (request, filter) queries as plans per request allows, each one a worst metric request.
 */
export function worstCsvGeneratorBody(entity: string, measure = 'entries') {
  const requests = 10;
  const columns = MAX_COLUMNS_TIMES_REQUESTS / requests;
  const metricColumns = Math.min(columns - 1, MAX_PLANS_PER_REQUEST);
  return {
    csvFormat: {
      columns: [
        { heading: 'Period' },
        ...Array.from({ length: metricColumns }, (_, i) => ({
          heading: `c${i}`,
          metricId: `m${i % requests}`,
          fetchValue: measure,
          filter: { region: `r${Math.floor(i / requests)}` },
        })),
      ],
      sortBy: [0],
      rowFilters: ['entity'],
    },
    metricRequests: Array.from({ length: requests }, (_, i) => worstMetricRequest(`m${i}`, entity)),
  };
}
