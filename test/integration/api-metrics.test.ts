import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { startTestApi } from '../support/api.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { s3Settings } from '../support/s3.ts';
import { SEED_CSV_ACTION } from '../../demo/seed-csv-request.ts';
import { startTestWorker } from '../support/worker.ts';
import { TABLES_ONLY_GRANT } from '../support/grants.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// Reports and the CSV generator through the job API, the real worker and S3Proxy, on the demo data.
describe('job API: reports and the CSV generator', () => {
  const workspaceId = `am-${randomUUID().slice(0, 8)}`;
  let engines: MetricEngines;
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let ceo: string;
  let ana: string;
  let eve: string;

  beforeAll(async () => {
    const infra = inject('infra');
    engines = await startMetricEngines(infra, ['postgres']);
    const { catalog } = engines.engines[0]!;
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    await migrateRowPolicies(pool);
    const policies = createPgPolicyStore(pool);
    await policies.putPolicy({
      workspaceId,
      policyId: 'execs',
      subject: { kind: 'group', name: 'executives' },
      allow: 'all',
    });
    await policies.addMember(workspaceId, 'executives', 'ceo');
    await policies.putPolicy({
      workspaceId,
      policyId: 'ana-north',
      subject: { kind: 'user', name: 'ana' },
      allow: { region: ['North'] },
    });
    const tokens = new TokenStore(pool);
    ceo = (await tokens.create({ workspaceId, userId: 'ceo', kind: 'interactive' })).token;
    ana = (await tokens.create({ workspaceId, userId: 'ana', kind: 'interactive' })).token;
    eve = (await tokens.create({ workspaceId, userId: 'eve', kind: 'interactive' })).token;
    api = await startTestApi({
      reportSource: 'metrics',
      catalog,
      sources: [{ name: 'metrics', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT }],
    });
    worker = await startTestWorker([{ name: 'metrics', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT }], {
      catalog,
    });
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await pool?.query(`DELETE FROM sluice_row_policies WHERE workspace_id = $1`, [workspaceId]);
    await pool?.query(`DELETE FROM sluice_group_members WHERE workspace_id = $1`, [workspaceId]);
    await pool?.end();
    await engines?.close();
  });

  const post = (path: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const get = async (path: string, token: string) =>
    (await (
      await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Json;
  const finished = async (id: string, token: string) => {
    for (let i = 0; i < 200; i++) {
      const job = await get(`/v1/jobs/${id}`, token);
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
      await sleep(200);
    }
    throw new Error(`job ${id} did not finish`);
  };
  const download = async (id: string, token: string) => {
    const { url } = await get(`/v1/jobs/${id}/result`, token);
    return (await fetch(url)).text();
  };
  const problemOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as Json) });

  it('answers the seed’s CSV-generator action with the seed’s line, and the URL serves the CSV', async () => {
    const action = {
      ...SEED_CSV_ACTION,
      data: { ...SEED_CSV_ACTION.data, id: `req-csv-${randomUUID().slice(0, 8)}` },
    };
    const res = await post('/v1/actions', ceo, action);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const line = await res.text();
    const [id, zero1, zero2, ...json] = line.split('|');
    expect([id, zero1, zero2]).toEqual([action.data.id, '0', '0']);
    const { body } = JSON.parse(json.join('|'));
    expect(body).toHaveLength(1);
    expect(body[0]).toMatchObject({ bucket: s3Settings().bucket, key: expect.stringMatching(/\.csv$/) });
    const rows = parse(await (await fetch(body[0].signedUrl)).text()) as string[][];
    expect(rows[0]).toEqual(['Date', 'Entries']);
    expect(rows).toHaveLength(31);

    // The same id again is the same job: the same object, answered again.
    const again = await (await post('/v1/actions', ceo, action)).text();
    expect(JSON.parse(again.split('|').slice(3).join('|')).body[0].key).toBe(body[0].key);
  });

  it('answers 202 with a job at once when the caller prefers respond-async', async () => {
    const res = await post('/v1/csv-generator', ceo, SEED_CSV_ACTION.data.body, { prefer: 'respond-async' });
    expect(res.status).toBe(202);
    const { job_id: id } = (await res.json()) as Json;
    expect((await finished(id, ceo)).status).toBe('succeeded');
    expect((await download(id, ceo)).startsWith('Date,Entries\r\n')).toBe(true);
  });

  it('refuses bad CSV-generator bodies with a 400 naming the field, before any job exists', async () => {
    const body = SEED_CSV_ACTION.data.body;
    const cases: [unknown, string][] = [
      [{ ...body, csvFormat: { ...body.csvFormat, sortBy: [{ column: 0 }] } }, 'csvFormat.sortBy'],
      [{ ...body, csvFormat: { ...body.csvFormat, rowFilters: [] } }, 'csvFormat.rowFilters'],
      [
        { ...body, csvFormat: { ...body.csvFormat, rowFilters: ['entity; DROP TABLE x'] } },
        'csvFormat.rowFilters',
      ],
      [
        { ...body, metricRequests: [{ ...body.metricRequests[0], entityType: "location' OR '1'='1" }] },
        'metricRequests.0.entityType',
      ],
      [
        {
          ...body,
          csvFormat: {
            ...body.csvFormat,
            columns: [{ heading: 'X', metricId: 'nope', fetchValue: 'entries' }],
          },
        },
        'csvFormat.columns.0.metricId',
      ],
      [
        { ...body, metricRequests: [{ ...body.metricRequests[0], facets: ['segments; DROP TABLE x'] }] },
        'metricRequests.0.facets',
      ],
      [
        { ...body, metricRequests: [{ ...body.metricRequests[0], timeZone: "UTC'); DROP TABLE x; --" }] },
        'metricRequests.0.timeZone',
      ],
      [
        {
          ...body,
          csvFormat: {
            ...body.csvFormat,
            columns: [
              body.csvFormat.columns[0],
              { ...body.csvFormat.columns[1], fetchValue: 'entries) FROM x --' },
            ],
          },
        },
        'csvFormat.columns.1.fetchValue',
      ],
      [
        {
          ...body,
          csvFormat: {
            ...body.csvFormat,
            columns: [
              body.csvFormat.columns[0],
              { ...body.csvFormat.columns[1], filter: { "segment' OR 1=1": 'x' } },
            ],
          },
        },
        'csvFormat.columns.1.filter',
      ],
    ];
    const before = (
      await pool.query(`SELECT count(*)::int AS n FROM sluice_jobs WHERE workspace_id = $1`, [workspaceId])
    ).rows[0].n;
    for (const [bad, field] of cases) {
      const problem = await problemOf(await post('/v1/csv-generator', ceo, bad));
      expect(problem, JSON.stringify(bad)).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
      expect(problem.errors.map((e: Json) => e.field).join(' '), field).toContain(field);
    }
    // Entity ids are values, bound, never SQL: a crafted one matches nothing and the file is empty.
    const crafted = await post('/v1/csv-generator', ceo, {
      ...body,
      metricRequests: [{ ...body.metricRequests[0], entities: ["x' OR '1'='1"] }],
    });
    expect(crafted.status).toBe(200);
    const [, , , json] = (await crafted.text()).split('|');
    expect(await (await fetch(JSON.parse(json!).body[0].signedUrl)).text()).toBe('Date,Entries\r\n');
    const envelope = await problemOf(
      await post('/v1/actions', ceo, { ...SEED_CSV_ACTION, data: { ...SEED_CSV_ACTION.data, route: 'x/y' } }),
    );
    expect(envelope).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    const after = (
      await pool.query(`SELECT count(*)::int AS n FROM sluice_jobs WHERE workspace_id = $1`, [workspaceId])
    ).rows[0].n;
    expect(after).toBe(before + 1); // the crafted-entity request alone
  });

  it('exports a report page for each caller with their own rows; a filter narrows, never widens', async () => {
    const exportAs = async (token: string, filters?: Record<string, string>) => {
      const res = await post('/v1/reports/store-performance/export', token, {
        format: 'csv',
        pages: ['page_1'],
        ...(filters ? { filters } : {}),
      });
      expect(res.status).toBe(202);
      const { job_id: id } = (await res.json()) as Json;
      expect((await finished(id, token)).status).toBe('succeeded');
      return (parse(await download(id, token)) as string[][]).slice(1);
    };
    const all = await exportAs(ceo);
    const north = await exportAs(ana);
    const none = await exportAs(eve);
    const northForCeo = await exportAs(ceo, { region: 'North' });
    // Ana asking for South gets nothing: her policy and the filter are ANDed.
    const southForAna = await exportAs(ana, { region: 'South' });

    expect(all.length).toBeGreaterThan(north.length);
    expect(north.length).toBeGreaterThan(0);
    expect(none).toEqual([]);
    expect(north).toEqual(northForCeo);
    expect(southForAna).toEqual([]);
    const { rows } = await pool.query<{ location_id: string }>(
      `SELECT DISTINCT location_id FROM "${engines.pgSchema}".footfall_hourly WHERE region = 'North'`,
    );
    const northern = new Set(rows.map((r) => r.location_id));
    for (const row of north) expect(northern.has(row[1]!), row[1]).toBe(true);
  });

  it('answers an unknown report 404 and an unknown page, filter or format 400 naming it', async () => {
    expect(await problemOf(await post('/v1/reports/nope/export', ceo, { format: 'csv' }))).toMatchObject({
      status: 404,
      code: 'REPORT_NOT_FOUND',
    });
    const page = await problemOf(
      await post('/v1/reports/store-performance/export', ceo, { format: 'csv', pages: ['page_9'] }),
    );
    expect(page).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    expect(page.errors[0].field).toBe('pages.0');
    const filter = await problemOf(
      await post('/v1/reports/store-performance/export', ceo, {
        format: 'csv',
        filters: { "region' OR 1=1 --": 'x' },
      }),
    );
    expect(filter).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    const pdf = await problemOf(await post('/v1/reports/store-performance/export', ceo, { format: 'pdf' }));
    expect(pdf.errors.map((e: Json) => e.field)).toEqual(['format']);
  });
});
