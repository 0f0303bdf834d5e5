import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { startTestApi } from '../support/api.ts';
import { OPEN_GRANT } from '../support/grants.ts';
import { startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { startTestWorker } from '../support/worker.ts';

// Bodies are read loosely: the assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const ENTITIES = [1, 2, 3, 4, 5, 6].map((n) => `64a1b2c3d4e5f6a7b8c9d0e${n}`);
const START = '2024-03-25T00:00:00.000Z';
const END = '2024-05-05T23:59:59.000Z';

/**
 * Row-level security on every request kind, through the real API, worker, PostgreSQL and S3Proxy: each kind
 * × {a recipient granted all rows, one granted region North, one with no policy} × {a table the catalog
 * declares (governed), a table it does not}. Every file is read back and compared with an independent SQL
 * query on the same data.
 */
describe('row-level security on every kind', () => {
  const workspaceId = `rls-${randomUUID().slice(0, 8)}`;
  let engines: MetricEngines;
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let schema: string;
  const tokens: Record<'all' | 'north' | 'none', string> = { all: '', north: '', none: '' };
  /** The regions each recipient may see; `none` sees nothing of a governed table. */
  const SEES: Record<keyof typeof tokens, string[]> = { all: ['North', 'South'], north: ['North'], none: [] };

  beforeAll(async () => {
    const infra = inject('infra');
    engines = await startMetricEngines(infra, ['postgres']);
    schema = engines.pgSchema;
    const { catalog } = engines.engines[0]!;
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    // A table no metric declares: row policies do not govern it, whoever asks.
    await pool.query(
      `CREATE TABLE "${schema}".stores AS SELECT * FROM (VALUES ('s1', 'North'), ('s2', 'South'), ('s3', 'South')) AS t(store_id, region)`,
    );
    await migrateAuthStore(pool);
    await migrateRowPolicies(pool);
    const policies = createPgPolicyStore(pool);
    await policies.putPolicy({
      workspaceId,
      policyId: 'all',
      subject: { kind: 'user', name: 'boss' },
      allow: 'all',
    });
    await policies.putPolicy({
      workspaceId,
      policyId: 'north',
      subject: { kind: 'user', name: 'ana' },
      allow: { region: ['North'] },
    });
    const store = new TokenStore(pool);
    tokens.all = (await store.create({ workspaceId, userId: 'boss', kind: 'interactive' })).token;
    tokens.north = (await store.create({ workspaceId, userId: 'ana', kind: 'interactive' })).token;
    tokens.none = (await store.create({ workspaceId, userId: 'eve', kind: 'interactive' })).token;
    const sources = [{ name: 'metrics', url: infra.DATABASE_URL, grant: OPEN_GRANT }];
    api = await startTestApi({ reportSource: 'metrics', catalog, sources });
    worker = await startTestWorker(sources, { catalog });
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await pool?.query(`DELETE FROM sluice_row_policies WHERE workspace_id = $1`, [workspaceId]);
    await pool?.end();
    await engines?.close();
  });

  const call = async (token: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  /** Submits, waits for the job and reads the CSV back as records (header → value). */
  const exportCsv = async (token: string, body: unknown, path = '/v1/exports') => {
    const accepted = await call(token, path, body);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const id = accepted.body.job_id as string;
    for (let i = 0; i < 300; i++) {
      const job = (await call(token, `/v1/jobs/${id}`)).body;
      if (job.status === 'succeeded') {
        const { url } = (await call(token, `/v1/jobs/${id}/result`)).body;
        return parse(await (await fetch(url)).text(), { columns: true }) as Record<string, string>[];
      }
      if (job.status === 'failed' || job.status === 'cancelled') throw new Error(JSON.stringify(job));
      await sleep(200);
    }
    throw new Error(`job ${id} did not finish`);
  };

  const independent = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows;
  const footfall = () => `"${schema}".footfall_hourly`;
  const sumBy = (rows: Record<string, string>[], key: string, value: string) => {
    const out: Record<string, bigint> = {};
    for (const r of rows) out[r[key]!] = (out[r[key]!] ?? 0n) + BigInt(r[value]!);
    return out;
  };

  for (const who of ['all', 'north', 'none'] as const) {
    describe(`recipient granted ${who === 'all' ? 'all rows' : who === 'north' ? 'region North' : 'nothing'}`, () => {
      it('table kind, governed table: exactly the rows of the regions granted', async () => {
        const rows = await exportCsv(tokens[who], {
          source: 'metrics',
          query: {
            kind: 'table',
            table: `${schema}.footfall_hourly`,
            columns: ['location_id', 'region', 'entries'],
          },
          format: 'csv',
        });
        const expected = await independent(
          `SELECT region, count(*)::int AS n, sum(entries)::text AS entries FROM ${footfall()}
            WHERE region = ANY($1) GROUP BY region ORDER BY region`,
          [SEES[who]],
        );
        const got = Object.entries(sumBy(rows, 'region', 'entries')).sort();
        expect(got.map(([region, entries]) => ({ region, entries: String(entries) }))).toEqual(
          expected.map((r) => ({ region: r.region, entries: r.entries })),
        );
        expect(rows.length).toBe(expected.reduce((n, r) => n + Number(r.n), 0));
      });

      it('table kind, ungoverned table: every row', async () => {
        const rows = await exportCsv(tokens[who], {
          source: 'metrics',
          query: { kind: 'table', table: `${schema}.stores` },
          format: 'csv',
        });
        expect(rows).toEqual(
          await independent(`SELECT store_id, region FROM "${schema}".stores ORDER BY store_id`),
        );
      });

      it('sql kind, governed table: runs for all rows only, refused (403) otherwise', async () => {
        const body = {
          source: 'metrics',
          query: { kind: 'sql', sql: `SELECT region, entries FROM ${schema}.footfall_hourly` },
          format: 'csv',
        };
        if (who === 'all') {
          const rows = await exportCsv(tokens[who], body);
          const [{ n }] = await independent(`SELECT count(*)::int AS n FROM ${footfall()}`);
          expect(rows.length).toBe(n);
        } else {
          const refused = await call(tokens[who], '/v1/exports', body);
          expect(refused).toMatchObject({
            status: 403,
            body: {
              code: 'ROW_SECURITY_UNENFORCEABLE',
              errors: [expect.objectContaining({ field: 'query.sql' })],
            },
          });
        }
      });

      it('sql kind, ungoverned table: every row', async () => {
        const rows = await exportCsv(tokens[who], {
          source: 'metrics',
          query: { kind: 'sql', sql: `SELECT store_id, region FROM ${schema}.stores ORDER BY store_id` },
          format: 'csv',
        });
        expect(rows).toEqual(
          await independent(`SELECT store_id, region FROM "${schema}".stores ORDER BY store_id`),
        );
      });

      it('metric kind: the granted regions’ sums only', async () => {
        const rows = await exportCsv(tokens[who], {
          source: 'metrics',
          query: {
            kind: 'metric',
            request: {
              start: START,
              end: END,
              entities: ENTITIES,
              entityType: 'location',
              facets: ['region'],
              aggregationPeriod: 'month',
              measures: ['entries'],
            },
          },
          format: 'csv',
        });
        const expected = await independent(
          `SELECT region, sum(entries)::text AS entries FROM ${footfall()}
            WHERE region = ANY($1) AND observed_at BETWEEN $2 AND $3 GROUP BY region ORDER BY region`,
          [SEES[who], START, END],
        );
        expect(Object.entries(sumBy(rows, 'region', 'entries')).map(([r, e]) => [r, String(e)])).toEqual(
          expected.map((r) => [r.region, r.entries]),
        );
      });

      it('report kind: the visual’s rows of the granted regions only', async () => {
        const rows = await exportCsv(
          tokens[who],
          { format: 'csv', pages: ['page_1'] },
          '/v1/reports/store-performance/export',
        );
        const expected = await independent(
          `SELECT location_id, sum(entries)::text AS entries FROM ${footfall()}
            WHERE region = ANY($1) AND location_id = ANY($2)
              AND observed_at BETWEEN '2024-04-01T00:00:00Z' AND '2024-04-30T23:59:59Z'
            GROUP BY location_id ORDER BY location_id`,
          [SEES[who], ENTITIES],
        );
        expect(
          Object.entries(sumBy(rows, 'entity', 'entries'))
            .sort()
            .map(([l, e]) => [l, String(e)]),
        ).toEqual(expected.map((r) => [r.location_id, r.entries]));
      });

      it('csv-generator kind: the granted regions’ rows only', async () => {
        const rows = await exportCsv(tokens[who], {
          source: 'metrics',
          query: {
            kind: 'csv-generator',
            body: {
              csvFormat: {
                columns: [
                  { heading: 'Month' },
                  { heading: 'Region', field: 'region' },
                  { heading: 'Entries', metricId: 'm', fetchValue: 'entries' },
                ],
                sortBy: [0],
                rowFilters: ['region'],
              },
              metricRequests: [
                {
                  metricId: 'm',
                  start: START,
                  end: END,
                  entities: ENTITIES,
                  entityType: 'location',
                  aggregationPeriod: 'month',
                  measures: ['entries'],
                },
              ],
            },
          },
          format: 'csv',
        });
        const expected = await independent(
          `SELECT region, sum(entries)::text AS entries FROM ${footfall()}
            WHERE region = ANY($1) AND observed_at BETWEEN $2 AND $3 GROUP BY region ORDER BY region`,
          [SEES[who], START, END],
        );
        expect(
          Object.entries(sumBy(rows, 'Region', 'Entries'))
            .sort()
            .map(([r, e]) => [r, String(e)]),
        ).toEqual(expected.map((r) => [r.region, r.entries]));
      });
    });
  }
});
