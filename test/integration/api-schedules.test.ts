import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { OPEN_GRANT } from '../../security/source-grants.ts';
import { startTestApi } from '../support/api.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// /v1/schedules on the real API process pieces (PostgreSQL, pg-boss), without a scheduler running.
describe('schedules API', () => {
  const run = randomUUID().slice(0, 8);
  const ws = `as-${run}`;
  let pool: pg.Pool;
  let api: ApiService;
  let token: string;
  let otherToken: string;
  const good = {
    name: 'Monday 9 AM IST',
    cron: '0 9 * * 1',
    timeZone: 'Asia/Kolkata',
    recipients: ['a@x.example', 'b@x.example'],
    export: { source: 'pg', query: { kind: 'table', table: `sched_orders_${run}` }, format: 'parquet' },
  };

  const call = async (method: string, path: string, body?: unknown, t = token) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${t}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  beforeAll(async () => {
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    const tokens = new TokenStore(pool);
    token = (await tokens.create({ workspaceId: ws, userId: 'ana@x.example', kind: 'api' })).token;
    otherToken = (await tokens.create({ workspaceId: `${ws}-b`, userId: 'eve', kind: 'api' })).token;
    await pool.query(`CREATE TABLE IF NOT EXISTS sched_orders_${run} (id int primary key, total numeric)`);
    api = await startTestApi({
      reportSource: 'pg',
      sources: [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }],
    });
  });

  afterAll(async () => {
    await pool?.query(`DELETE FROM sluice_schedules WHERE workspace_id = $1`, [ws]);
    await pool?.query(`DROP TABLE IF EXISTS sched_orders_${run}`);
    await api?.stop();
    await pool?.end();
  });

  const bad: { name: string; body: Json; fields: string[] }[] = [
    { name: 'a bad cron', body: { ...good, cron: '0 25 * * 1' }, fields: ['cron'] },
    { name: 'a cron with seconds', body: { ...good, cron: '0 0 9 * * 1' }, fields: ['cron'] },
    { name: 'an unknown zone', body: { ...good, timeZone: 'Asia/Mumbai_Nowhere' }, fields: ['timeZone'] },
    { name: 'no recipients', body: { ...good, recipients: [] }, fields: ['recipients'] },
    {
      name: 'a recipient that is not an address',
      body: { ...good, recipients: ['ana'] },
      fields: ['recipients.0'],
    },
    {
      name: 'an unknown source',
      body: { ...good, export: { ...good.export, source: 'warehouse' } },
      fields: ['export.source'],
    },
    {
      name: 'an unknown format',
      body: { ...good, export: { ...good.export, format: 'docx' } },
      fields: ['export.format'],
    },
    {
      name: 'an unknown report',
      body: { ...good, export: undefined, report: { reportId: 'no-such-report', format: 'csv' } },
      fields: ['report.reportId'],
    },
    {
      name: 'an unknown report page',
      body: {
        ...good,
        export: undefined,
        report: { reportId: 'store-performance', format: 'csv', pages: ['page_99'] },
      },
      fields: ['report.pages'],
    },
    {
      name: 'two things to export',
      body: { ...good, report: { reportId: 'store-performance', format: 'csv' } },
      fields: ['report'],
    },
    {
      name: 'a requestId (each run makes its own)',
      body: { ...good, export: { ...good.export, requestId: 'x' } },
      fields: ['export.requestId'],
    },
    {
      name: 'a CSV-generator body with an unknown metric',
      body: {
        ...good,
        export: undefined,
        csvGenerator: {
          csvFormat: {
            columns: [{ heading: 'Date' }, { heading: 'N', metricId: 'nope' }],
            sortBy: [0],
            rowFilters: ['period'],
          },
          metricRequests: [],
        },
      },
      fields: ['csvGenerator.metricRequests'],
    },
  ];
  for (const b of bad) {
    it(`400 for ${b.name}, naming ${b.fields.join(', ')}`, async () => {
      const { status, body } = await call('POST', '/v1/schedules', b.body);
      expect(status).toBe(400);
      expect(body.code).toBe('REQUEST_INVALID');
      const named = body.errors.map((e: Json) => e.field);
      for (const f of b.fields)
        expect(
          named.some((n: string) => n === f || n.startsWith(`${f}.`)),
          JSON.stringify(named),
        ).toBe(true);
    });
  }

  it('creates, lists, shows, pauses, resumes, changes and deletes a schedule, answering its next runs', async () => {
    const created = await call('POST', '/v1/schedules', good);
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({
      name: good.name,
      state: 'active',
      recipients: good.recipients,
      export: good.export,
    });
    // Mondays 09:00 in Kolkata are 03:30 UTC.
    expect(created.body.nextRuns).toHaveLength(5);
    for (const r of created.body.nextRuns) {
      expect(r.slice(11)).toBe('03:30:00.000Z');
      expect(new Date(r).getUTCDay()).toBe(1);
    }

    expect((await call('GET', '/v1/schedules')).body.schedules.map((s: Json) => s.id)).toContain(id);
    expect((await call('GET', `/v1/schedules/${id}`)).body.id).toBe(id);
    expect((await call('GET', `/v1/schedules/${id}`, undefined, otherToken)).status).toBe(404);

    const paused = await call('PATCH', `/v1/schedules/${id}`, { state: 'paused' });
    expect(paused.body).toMatchObject({ state: 'paused', nextRuns: [] });
    const resumed = await call('PATCH', `/v1/schedules/${id}`, { state: 'active' });
    expect(resumed.body.nextRuns[0]).toBe(created.body.nextRuns[0]);

    const changed = await call('PATCH', `/v1/schedules/${id}`, {
      cron: '30 8 * * 1-5',
      timeZone: 'Europe/Berlin',
    });
    expect(changed.status).toBe(200);
    for (const r of changed.body.nextRuns) expect(['07:30:00.000Z', '06:30:00.000Z']).toContain(r.slice(11));
    expect(
      (await call('PATCH', `/v1/schedules/${id}`, { timeZone: 'Nowhere/Else' })).body.errors[0].field,
    ).toBe('timeZone');

    expect((await call('GET', `/v1/schedules/${id}/runs`)).body).toEqual({ runs: [] });
    expect((await call('DELETE', `/v1/schedules/${id}`)).status).toBe(204);
    expect((await call('GET', `/v1/schedules/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/v1/schedules/${id}`)).body.code).toBe('SCHEDULE_NOT_FOUND');
  });
});
