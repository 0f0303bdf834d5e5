import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseCsvGeneratorAction } from '../../csv-generator/action-envelope.ts';
import { generateCsv } from '../../csv-generator/generate-csv.ts';
import { streamMetricPlan } from '../../metrics/run-plan.ts';
import { loadDemoPolicies } from '../../security/file-policy-store.ts';
import { readAll, startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { SEED_CSV_ACTION } from '../../demo/seed-csv-request.ts';

let engines: MetricEngines;
let admin: pg.Client;

beforeAll(async () => {
  engines = await startMetricEngines(inject('infra'), ['postgres']);
  admin = new pg.Client({ connectionString: engines.pgUrl });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await engines?.close();
});

async function run(body: unknown, recipient = 'ceo@demo.example', maxOpenStreams?: number) {
  const { source, catalog } = engines.engines[0]!;
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const result = await generateCsv(body, {
    catalog,
    policies: loadDemoPolicies(),
    audience: { workspaceId: 'demo', recipient },
    runPlan: (plan) => streamMetricPlan(source, plan),
    out,
    ...(maxOpenStreams === undefined ? {} : { maxOpenStreams }),
  });
  out.end();
  return { result, csv: Buffer.concat(chunks).toString('utf8') };
}

describe('the CSV generator against the demo data in real PostgreSQL', () => {
  it('answers the seed’s example with its columns and values an independent query confirms', async () => {
    const { body } = parseCsvGeneratorAction(SEED_CSV_ACTION);
    const { result, csv } = await run(body);
    const [header, ...rows] = parse(csv) as string[][];
    expect(header).toEqual(['Date', 'Entries']);
    expect(result.rows).toBe(30);
    const { rows: truth } = await admin.query<{ day: string; entries: string }>(
      `SELECT to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, SUM(entries)::text AS entries
         FROM "${engines.pgSchema}".footfall_hourly
        WHERE location_id = $1 AND observed_at >= '2024-04-01T00:00:00Z' AND observed_at <= '2024-04-30T23:59:59Z'
        GROUP BY 1 ORDER BY 1`,
      ['64a1b2c3d4e5f6a7b8c9d0e3'],
    );
    expect(rows).toEqual(truth.map((t) => [t.day, t.entries]));
    expect(csv.startsWith('Date,Entries\r\n2024-04-01,')).toBe(true);
  });

  it('combines several metric requests and slices into one CSV, sorted by a metric column', async () => {
    const { body } = parseCsvGeneratorAction(structuredClone(SEED_CSV_ACTION));
    const b = body as {
      csvFormat: { columns: object[]; sortBy: number[]; rowFilters: string[] };
      metricRequests: object[];
    };
    b.csvFormat.columns = [
      { heading: 'Week' },
      { heading: 'Store', field: 'entity' },
      { heading: 'Entries', metricId: 'entries-by-day', fetchValue: 'entries' },
      { heading: 'New', metricId: 'entries-by-day', fetchValue: 'entries', filter: { segments: 'new' } },
      {
        heading: 'Clothing sales',
        metricId: 'sales',
        fetchValue: 'sales_volume',
        filter: { taxonomy: 'Products:Clothing' },
      },
    ];
    b.csvFormat.sortBy = [2, 0];
    const north = ['64a1b2c3d4e5f6a7b8c9d0e1', '64a1b2c3d4e5f6a7b8c9d0e3', '64a1b2c3d4e5f6a7b8c9d0e5'];
    b.metricRequests = [
      {
        ...(b.metricRequests[0] as object),
        aggregationPeriod: 'week',
        entities: north,
        timeZone: 'Europe/Berlin',
      },
      {
        metricId: 'sales',
        start: '2024-04-01T00:00:00.000Z',
        end: '2024-04-30T23:59:59.000Z',
        entities: north,
        entityType: 'location',
        aggregationPeriod: 'week',
        timeZone: 'Europe/Berlin',
      },
    ];
    const { csv } = await run(b);
    const [header, ...rows] = parse(csv) as string[][];
    expect(header).toEqual(['Week', 'Store', 'Entries', 'New', 'Clothing sales']);
    // Sorted by Entries ascending, then Week.
    const entries = rows.map((r) => Number(r[2]));
    expect(entries).toEqual([...entries].sort((x, y) => x - y));
    // Spot-check one cell of each query against PostgreSQL directly.
    const [week, store] = rows[0]!;
    const weekStart = `${week}T00:00:00`;
    const { rows: check } = await admin.query<{ entries: string; new: string; sales: string | null }>(
      `SELECT
         (SELECT SUM(entries)::text FROM "${engines.pgSchema}".footfall_hourly f WHERE f.location_id = $1
            AND f.observed_at >= GREATEST($2::timestamp AT TIME ZONE 'Europe/Berlin', '2024-04-01T00:00:00Z')
            AND f.observed_at < LEAST(($2::timestamp + interval '7 days') AT TIME ZONE 'Europe/Berlin', '2024-04-30T23:59:59.001Z')) AS entries,
         (SELECT SUM(entries)::text FROM "${engines.pgSchema}".footfall_hourly f WHERE f.location_id = $1 AND f.segment = 'new'
            AND f.observed_at >= GREATEST($2::timestamp AT TIME ZONE 'Europe/Berlin', '2024-04-01T00:00:00Z')
            AND f.observed_at < LEAST(($2::timestamp + interval '7 days') AT TIME ZONE 'Europe/Berlin', '2024-04-30T23:59:59.001Z')) AS new,
         (SELECT to_char(SUM(amount_cents) / 100.0, 'FM999999990.00') FROM "${engines.pgSchema}".sales_transactions s
            WHERE s.location_id = $1 AND s.taxonomy = 'Products:Clothing'
            AND s.sold_at >= GREATEST($2::timestamp AT TIME ZONE 'Europe/Berlin', '2024-04-01T00:00:00Z')
            AND s.sold_at < LEAST(($2::timestamp + interval '7 days') AT TIME ZONE 'Europe/Berlin', '2024-04-30T23:59:59.001Z')) AS sales`,
      [store, weekStart],
    );
    expect(rows[0]!.slice(2)).toEqual([check[0]!.entries, check[0]!.new, check[0]!.sales ?? '']);
  });

  it('merges key-ordered results as they stream, with the same bytes as the in-memory join', async () => {
    const { body } = parseCsvGeneratorAction(structuredClone(SEED_CSV_ACTION));
    const b = body as { csvFormat: { columns: object[]; sortBy: number[] }; metricRequests: object[] };
    b.csvFormat.columns = [
      { heading: 'Day' },
      { heading: 'Store', field: 'entity' },
      { heading: 'Entries', metricId: 'entries-by-day', fetchValue: 'entries' },
      { heading: 'Returning', metricId: 'entries-by-day', filter: { segments: 'returning' } },
    ];
    b.csvFormat.sortBy = [0, 1];
    b.metricRequests = [
      {
        ...(b.metricRequests[0] as object),
        measures: ['entries'],
        entities: ['64a1b2c3d4e5f6a7b8c9d0e1', '64a1b2c3d4e5f6a7b8c9d0e3'],
        timeZone: 'America/New_York',
      },
    ];
    const merged = await run(b);
    const inMemory = await run(b, 'ceo@demo.example', 0);
    expect(merged.result.rows).toBe(60); // 30 New York days with readings (stores open 07–21 UTC), two stores
    expect(merged.csv).toBe(inMemory.csv);
  });

  it('applies the recipient’s row security: no policy, no rows', async () => {
    const { body } = parseCsvGeneratorAction(SEED_CSV_ACTION);
    const { csv, result } = await run(body, 'stranger@demo.example');
    expect(result.rows).toBe(0);
    expect(csv).toBe('Date,Entries\r\n');
    // A North manager sees the seed's (North) store.
    expect((await run(body, 'ana@demo.example')).result.rows).toBe(30);
  });

  it('fails before running anything on a bad body', async () => {
    const { body } = parseCsvGeneratorAction(structuredClone(SEED_CSV_ACTION));
    (body as { csvFormat: { sortBy: unknown } }).csvFormat.sortBy = [{ column: 0 }];
    await expect(run(body)).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringContaining('csvFormat.sortBy.0'),
    });
    // And the plan path itself still streams (sanity for readAll).
    const plan = (await run(parseCsvGeneratorAction(SEED_CSV_ACTION).body)).result.plans[0]!;
    expect(await readAll((await streamMetricPlan(engines.engines[0]!.source, plan)).batches)).toHaveLength(
      30,
    );
  });
});
