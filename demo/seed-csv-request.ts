/** Seed 004's example CSV-generator request, verbatim. */
export const SEED_CSV_ACTION = {
  action: 'external-service',
  data: {
    id: 'req-csv-001',
    route: 'external-service/csv-generator',
    body: {
      csvFormat: {
        columns: [
          { heading: 'Date' },
          { heading: 'Entries', metricId: 'entries-by-day', fetchValue: 'entries' },
        ],
        sortBy: [0],
        rowFilters: ['entity'],
      },
      metricRequests: [
        {
          metricId: 'entries-by-day',
          name: 'Entries by day',
          start: '2024-04-01T00:00:00.000Z',
          end: '2024-04-30T23:59:59.000Z',
          entities: ['64a1b2c3d4e5f6a7b8c9d0e3'],
          entityType: 'location',
          facets: ['segments'],
          aggregationPeriod: 'day',
        },
      ],
    },
  },
} as const;
