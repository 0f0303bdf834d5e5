import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCatalog } from '../../catalog/catalog.ts';
import { createDuckdbSource } from '../../dialects/duckdb/source.ts';
import { createPostgresSource } from '../../dialects/postgres/source.ts';
import type { MetricPlan } from '../../metrics/plan.ts';
import { streamMetricPlan } from '../../metrics/run-plan.ts';
import { resolveReportExport } from '../../reports/resolve-report-export.ts';
import { loadDemoPolicies } from '../../security/file-policy-store.ts';
import { readAll, startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';

/**
 * Reports whose footfall table is a view that sleeps per row: its query outlives the report's timeout.
 * The view's name marks the statement in pg_stat_activity / the MariaDB process list.
 */
let engines: MetricEngines;
let pgAdmin: pg.Client;
let myAdmin: mysql.Connection;

beforeAll(async () => {
  engines = await startMetricEngines(inject('infra'), ['postgres', 'mysql']);
  const schema = engines.pgSchema;
  pgAdmin = new pg.Client({ connectionString: engines.pgUrl });
  await pgAdmin.connect();
  await pgAdmin.query(
    `CREATE VIEW "${schema}".slow_footfall AS
       SELECT f.* FROM "${schema}".footfall_hourly f CROSS JOIN LATERAL (SELECT pg_sleep(0.01)) s`,
  );
  myAdmin = await mysql.createConnection({ uri: inject('infra').MYSQL_URL });
  await myAdmin.query(
    `CREATE VIEW \`${schema}\`.slow_footfall AS SELECT f.* FROM \`${schema}\`.footfall_hourly f WHERE SLEEP(0.01) = 0`,
  );
});

afterAll(async () => {
  await pgAdmin?.end();
  await myAdmin?.end();
  await engines?.close();
});

/** The first visual of the demo report, on `engine`, with the slow view and a 300 ms report timeout. */
async function slowVisual(engine: 'postgres' | 'mysql'): Promise<{ plan: MetricPlan; timeoutMs: number }> {
  const data = structuredClone(engines.engines.find((e) => e.name === engine)!.catalog.data);
  data.metrics.footfall!.table = `${engines.pgSchema}.slow_footfall`;
  data.reports[0]!.queryTimeoutMs = 300;
  const exported = await resolveReportExport(
    { catalog: createCatalog(data), policies: loadDemoPolicies() },
    { workspaceId: 'demo', recipient: 'ceo@demo.example' },
    'store-performance',
    { format: 'csv', pages: ['page_1'] },
  );
  return { plan: exported.visuals[0]!.plan, timeoutMs: exported.queryTimeoutMs! };
}

describe('query timeouts per report', () => {
  it('PostgreSQL: a query outliving the report timeout fails with QUERY_TIMEOUT and is gone from pg_stat_activity', async () => {
    const source = createPostgresSource({ url: engines.pgUrl, poolSize: 1 });
    try {
      const { plan, timeoutMs } = await slowVisual('postgres');
      await expect(
        streamMetricPlan(source, plan, { timeoutMs }).then((s) => readAll(s.batches)),
      ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      const { rows } = await pgAdmin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE state = 'active' AND query LIKE '%slow_footfall%' AND pid <> pg_backend_pid()`,
      );
      expect(rows[0]!.n).toBe(0);

      // A timed query that finishes gives its connection back with the source's own setting restored.
      const fast = { ...plan, table: `${engines.pgSchema}.footfall_hourly` };
      expect(
        await readAll((await streamMetricPlan(source, fast, { timeoutMs: 60_000 })).batches),
      ).toHaveLength(180);
      const setting = await source.stream({ kind: 'sql', sql: 'SHOW statement_timeout' });
      const { rows: server } = await pgAdmin.query<{ statement_timeout: string }>('SHOW statement_timeout');
      expect(await readAll(setting.batches)).toEqual([[server[0]!.statement_timeout]]);
    } finally {
      await source.close();
    }
  });

  it('MariaDB: SET STATEMENT max_statement_time stops the query on the server (QUERY_TIMEOUT)', async () => {
    const source = engines.engines.find((e) => e.name === 'mysql')!.source;
    const { plan, timeoutMs } = await slowVisual('mysql');
    const stream = streamMetricPlan(source, plan, { timeoutMs }).then((s) => readAll(s.batches));
    await expect(stream).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    const [rows] = await myAdmin.query(
      `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
        WHERE INFO LIKE '%slow_footfall%' AND ID <> CONNECTION_ID()`,
    );
    expect(Number((rows as { n: number }[])[0]!.n)).toBe(0);
  });

  it('DuckDB: the timer interrupts the running query (QUERY_TIMEOUT)', async () => {
    const source = createDuckdbSource({ path: ':memory:' });
    try {
      const slow = 'SELECT sum(a.range * b.range) AS s FROM range(100000000) a, range(100000000) b';
      await expect(
        source.stream({ kind: 'sql', sql: slow }, { timeoutMs: 300 }).then((s) => readAll(s.batches)),
      ).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      // The source still answers afterwards.
      expect(await readAll((await source.stream({ kind: 'sql', sql: 'SELECT 42::BIGINT' })).batches)).toEqual(
        [[42n]],
      );
    } finally {
      await source.close();
    }
  });
});
