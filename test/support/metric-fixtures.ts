import { createCatalog, loadDemoCatalog, type Catalog } from '../../catalog/catalog.ts';
import type { MetricRequest } from '../../schemas/metric-request.ts';

/** The demo catalog with every fact table under `prefix` (a test's own schema or database). */
export function demoCatalogIn(prefix: string): Catalog {
  const data = structuredClone(loadDemoCatalog().data);
  for (const metric of Object.values(data.metrics)) metric.table = `${prefix}.${metric.table}`;
  return createCatalog(data);
}

export const SEED_ENTITY = '64a1b2c3d4e5f6a7b8c9d0e3';

/** Seed 004's metric request, as the CSV generator example sends it (plus the measure a route names). */
export const SEED_REQUEST: MetricRequest = {
  metricId: 'entries-by-day',
  name: 'Entries by day',
  start: '2024-04-01T00:00:00.000Z',
  end: '2024-04-30T23:59:59.000Z',
  entities: [SEED_ENTITY],
  entityType: 'location',
  facets: ['segments'],
  aggregationPeriod: 'day',
  measures: ['entries'],
};

/** Requests that exercise every period, DST changes in two zones, facets and both fact tables. */
export const SAMPLE_REQUESTS: { name: string; request: MetricRequest }[] = [
  { name: 'seed-entries-by-day', request: SEED_REQUEST },
  {
    name: 'entries-by-hour-berlin-dst',
    request: {
      start: '2024-03-30T20:00:00.000Z',
      end: '2024-04-01T08:00:00.000Z',
      entities: ['64a1b2c3d4e5f6a7b8c9d0e1', '64a1b2c3d4e5f6a7b8c9d0e4'],
      entityType: 'location',
      aggregationPeriod: 'hour',
      timeZone: 'Europe/Berlin',
      measures: ['entries', 'footfall_readings'],
    },
  },
  {
    name: 'entries-by-week-berlin-segments-age',
    request: {
      start: '2024-03-25T00:00:00.000Z',
      end: '2024-05-05T23:59:59.000Z',
      entities: ['64a1b2c3d4e5f6a7b8c9d0e2', '64a1b2c3d4e5f6a7b8c9d0e5'],
      entityType: 'location',
      facets: ['segments', 'age'],
      aggregationPeriod: 'week',
      timeZone: 'Europe/Berlin',
      measures: ['entries'],
    },
  },
  {
    name: 'sales-by-month-taxonomy-kolkata',
    request: {
      start: '2024-03-25T00:00:00.000Z',
      end: '2024-05-05T23:59:59.000Z',
      entities: ['64a1b2c3d4e5f6a7b8c9d0e1', '64a1b2c3d4e5f6a7b8c9d0e3', '64a1b2c3d4e5f6a7b8c9d0e6'],
      entityType: 'location',
      facets: ['taxonomy'],
      aggregationPeriod: 'month',
      timeZone: 'Asia/Kolkata',
      measures: ['sales_volume', 'transactions', 'largest_sale'],
    },
  },
  {
    name: 'sales-by-day-new-york',
    request: {
      start: '2024-04-28T00:00:00.000Z',
      end: '2024-05-03T12:00:00.000Z',
      entities: ['64a1b2c3d4e5f6a7b8c9d0e4', '64a1b2c3d4e5f6a7b8c9d0e5'],
      entityType: 'location',
      aggregationPeriod: 'day',
      timeZone: 'America/New_York',
      measures: ['sales_volume'],
    },
  },
];
