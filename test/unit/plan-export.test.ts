import { describe, expect, it } from 'vitest';
import { loadDemoCatalog, type Catalog } from '../../catalog/catalog.ts';
import { SEED_CSV_ACTION } from '../../demo/seed-csv-request.ts';
import { SluiceError } from '../../core/errors.ts';
import type { TableSchema } from '../../dialects/source.ts';
import type { PlanningFacts, SourceFacts } from '../../planning/export-plan.ts';
import { planExport } from '../../planning/plan-export.ts';
import { problemFromError } from '../../producers/http/problem.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { MAX_PLANS_PER_REQUEST } from '../../schemas/metric-request.ts';
import { loadDemoPolicies } from '../../security/file-policy-store.ts';
import { OPEN_GRANT, type SourceGrant } from '../../security/source-grants.ts';

/** Tables as a PostgreSQL source would resolve them (public by default). */
const TABLES: Record<string, string[]> = {
  'public.footfall_hourly': ['observed_at', 'location_id', 'region', 'segment', 'age_band', 'entries'],
  'public.sales_transactions': ['sold_at', 'location_id', 'region', 'taxonomy', 'amount_cents'],
  'public.events': ['id', 'ts', 'amount'],
  'public.sluice_jobs': ['job_id', 'request'],
  'pg_catalog.pg_authid': ['rolname', 'rolpassword'],
};

function facts(grants: Record<string, SourceGrant>): PlanningFacts {
  const sources = new Map<string, SourceFacts>(
    Object.entries(grants).map(([name, grant]) => [name, { name, dialect: 'postgres', grant }]),
  );
  return {
    catalog: loadDemoCatalog(),
    policies: loadDemoPolicies(),
    sources: {
      source: (name) => sources.get(name),
      async table(_source, table): Promise<TableSchema> {
        const key = table.includes('.')
          ? table
          : table.startsWith('pg_')
            ? `pg_catalog.${table}`
            : `public.${table}`;
        const columns = TABLES[key];
        if (!columns)
          throw new SluiceError('TABLE_NOT_FOUND', `table ${JSON.stringify(table)} does not exist`);
        const [schema, name] = key.split('.') as [string, string];
        return {
          table,
          quotedName: `"${schema}"."${name}"`,
          resolved: { schema, name },
          columns: columns.map((c) => ({ name: c, type: 'string' })),
        };
      },
    },
  };
}

const open = facts({ pg: OPEN_GRANT, nosql: { ...OPEN_GRANT, rawSql: [] } });

function request(overrides: Partial<ExportRequested> & Pick<ExportRequested, 'query'>): ExportRequested {
  return {
    version: 1,
    requestId: 'r1',
    workspaceId: 'demo',
    requestedBy: 'ana@demo.example',
    source: 'pg',
    format: 'csv',
    ...overrides,
  };
}

async function problemOf(req: ExportRequested, f: PlanningFacts = open) {
  try {
    await planExport(req, f);
  } catch (err) {
    return problemFromError(err);
  }
  throw new Error('planned, but a refusal was expected');
}

const table = (t: string, extra: object = {}) => ({ kind: 'table' as const, table: t, ...extra });

describe('planExport: every rule checked once, before anything runs', () => {
  const refusals: {
    name: string;
    req: ExportRequested;
    facts?: PlanningFacts;
    status: number;
    code: string;
    field: string;
  }[] = [
    {
      name: 'unknown source',
      req: request({ source: 'nope', query: table('events') }),
      status: 404,
      code: 'SOURCE_UNKNOWN',
      field: 'source',
    },
    {
      name: 'source not granted to the workspace',
      req: request({ query: table('events') }),
      facts: facts({ pg: { ...OPEN_GRANT, workspaces: ['other'] } }),
      status: 403,
      code: 'SOURCE_NOT_GRANTED',
      field: 'source',
    },
    {
      name: 'no grant at all (deny by default)',
      req: request({ query: table('events') }),
      facts: facts({ pg: { workspaces: [], tables: [], rawSql: [] } }),
      status: 403,
      code: 'SOURCE_NOT_GRANTED',
      field: 'source',
    },
    {
      name: 'table off the allow-list',
      req: request({ query: table('events') }),
      facts: facts({ pg: { ...OPEN_GRANT, tables: ['public.footfall_hourly'] } }),
      status: 403,
      code: 'TABLE_NOT_GRANTED',
      field: 'query.table',
    },
    {
      name: "sluice's own tables, even under *",
      req: request({ query: table('sluice_jobs') }),
      status: 403,
      code: 'TABLE_NOT_GRANTED',
      field: 'query.table',
    },
    {
      name: 'system catalogs, even under *',
      req: request({ query: table('pg_catalog.pg_authid') }),
      status: 403,
      code: 'TABLE_NOT_GRANTED',
      field: 'query.table',
    },
    {
      name: 'a table that does not exist',
      req: request({ query: table('nothing_here') }),
      status: 404,
      code: 'TABLE_NOT_FOUND',
      field: 'query.table',
    },
    {
      name: 'a table name with a semicolon',
      req: request({ query: table('events; drop table x') }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'query.table',
    },
    {
      name: 'a table name with a quote',
      req: request({ query: table('events"') }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'query.table',
    },
    {
      name: 'a column injection',
      req: request({ query: table('events', { columns: ['id', 'amount" FROM x; --'] }) }),
      status: 400,
      code: 'COLUMN_NOT_FOUND',
      field: 'query.columns.1',
    },
    {
      name: 'a filter without its value',
      req: request({ query: table('events', { filters: [{ column: 'id', op: 'eq' }] }) }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'query.filters.0.value',
    },
    {
      name: 'raw SQL where the grant forbids it',
      req: request({ source: 'nosql', query: { kind: 'sql', sql: 'SELECT * FROM events' } }),
      status: 403,
      code: 'RAW_SQL_NOT_ALLOWED',
      field: 'query.sql',
    },
    {
      name: "raw SQL reading sluice's own tables",
      req: request({ query: { kind: 'sql', sql: 'SELECT e.id FROM events e JOIN sluice_jobs j ON true' } }),
      status: 403,
      code: 'TABLE_NOT_GRANTED',
      field: 'query.sql',
    },
    {
      name: 'raw SQL hiding a table behind a CTE of the same name',
      req: request({
        query: { kind: 'sql', sql: 'WITH pg_authid AS (SELECT * FROM pg_authid) SELECT * FROM pg_authid' },
      }),
      status: 403,
      code: 'TABLE_NOT_GRANTED',
      field: 'query.sql',
    },
    {
      name: 'raw SQL that writes',
      req: request({
        query: { kind: 'sql', sql: 'WITH d AS (DELETE FROM events RETURNING *) SELECT * FROM d' },
      }),
      status: 400,
      code: 'QUERY_NOT_READ_ONLY',
      field: 'query.sql',
    },
    {
      name: 'raw SQL that is an UPDATE',
      req: request({ query: { kind: 'sql', sql: 'UPDATE events SET region = 1 RETURNING *' } }),
      status: 400,
      code: 'QUERY_NOT_READ_ONLY',
      field: 'query.sql',
    },
    {
      name: 'two statements',
      req: request({ query: { kind: 'sql', sql: 'SELECT * FROM events; DROP TABLE events' } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'query.sql',
    },
    {
      name: 'raw SQL on a table row policies govern, for a North-only recipient',
      req: request({ query: { kind: 'sql', sql: 'SELECT * FROM footfall_hourly' } }),
      status: 403,
      code: 'ROW_SECURITY_UNENFORCEABLE',
      field: 'query.sql',
    },
    {
      name: 'a CSV delimiter of "',
      req: request({ query: table('events'), options: { delimiter: '"' } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'options.delimiter',
    },
    {
      name: 'compression of a parquet file',
      req: request({ format: 'parquet', query: table('events'), options: { compression: 'gzip' } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'options.compression',
    },
    {
      name: 'a split sql file',
      req: request({ format: 'sql', query: table('events'), options: { maxRowsPerFile: 10 } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'options.maxRowsPerFile',
    },
    {
      name: 'sqlDialect on a table export',
      req: request({ format: 'sql', query: table('events'), options: { sqlDialect: 'mysql' } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'options.sqlDialect',
    },
    {
      name: 'a rendered format not built yet',
      req: request({ format: 'pdf', query: table('events') }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'format',
    },
    {
      name: 'an unknown report',
      req: request({ query: { kind: 'report', reportId: 'nope' } }),
      status: 404,
      code: 'REPORT_NOT_FOUND',
      field: '',
    },
    {
      name: 'an unknown report page',
      req: request({ query: { kind: 'report', reportId: 'store-performance', pages: ['page_9'] } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'pages.0',
    },
    {
      name: 'an unknown report filter',
      req: request({ query: { kind: 'report', reportId: 'store-performance', filters: { colour: 'red' } } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'filters.colour',
    },
    {
      name: 'a metric whose fact table is off the allow-list',
      req: request({
        query: {
          kind: 'metric',
          request: {
            start: '2024-04-01T00:00:00Z',
            end: '2024-04-02T00:00:00Z',
            entities: ['x'],
            entityType: 'location',
            aggregationPeriod: 'day',
            measures: ['entries'],
          },
        },
      }),
      facts: facts({ pg: { ...OPEN_GRANT, tables: ['public.events'] } }),
      status: 403,
      code: 'TABLE_NOT_GRANTED',
      field: 'source',
    },
  ];

  for (const c of refusals) {
    it(`refuses ${c.name}: ${c.status} ${c.code}`, async () => {
      const problem = await problemOf(c.req, c.facts);
      expect(problem).toMatchObject({ status: c.status, code: c.code });
      if (c.field) expect(problem.errors?.map((e) => e.field)).toContain(c.field);
    });
  }

  it('does not tell a caller which tables exist behind a narrow allow-list', async () => {
    const narrow = facts({ pg: { ...OPEN_GRANT, tables: ['public.events'] } });
    const missing = await problemOf(request({ query: table('secret_table') }), narrow);
    expect(missing).toMatchObject({ status: 403, code: 'TABLE_NOT_GRANTED' });
  });

  describe('row-level security on table exports', () => {
    const rowFilterOf = async (recipient: string, t: string) => {
      const plan = await planExport(request({ requestedBy: recipient, query: table(t) }), open);
      const unit = plan.units[0]!.query;
      if (unit.kind !== 'table') throw new Error('expected a table unit');
      return unit.query.rowFilter;
    };

    it('adds the recipient’s policy, mapped to the table’s columns by the catalog', async () => {
      expect(await rowFilterOf('ana@demo.example', 'footfall_hourly')).toEqual({
        anyOf: [[{ column: 'region', values: ['North'] }]],
      });
      expect(await rowFilterOf('bob@demo.example', 'public.footfall_hourly')).toEqual({
        anyOf: [[{ column: 'location_id', values: ['64a1b2c3d4e5f6a7b8c9d0e3'] }]],
      });
    });

    it('selects nothing for a recipient without a policy, everything for an all-rows policy', async () => {
      expect(await rowFilterOf('nobody@demo.example', 'footfall_hourly')).toEqual({ anyOf: [] });
      expect(await rowFilterOf('ceo@demo.example', 'footfall_hourly')).toBeUndefined();
    });

    it('leaves tables no metric declares alone', async () => {
      expect(await rowFilterOf('nobody@demo.example', 'events')).toBeUndefined();
    });

    it('lets an all-rows recipient use raw SQL on a governed table', async () => {
      const plan = await planExport(
        request({
          requestedBy: 'ceo@demo.example',
          query: { kind: 'sql', sql: 'SELECT * FROM footfall_hourly' },
        }),
        open,
      );
      expect(plan.units[0]!.query.kind).toBe('sql');
    });
  });

  describe('layouts', () => {
    it('one file per visual for a report of several, one statements file for its sql', async () => {
      const report = { kind: 'report' as const, reportId: 'store-performance' };
      const files = await planExport(request({ format: 'parquet', query: report }), open);
      expect(files.layout).toBe('file-per-unit');
      expect(files.units.length).toBeGreaterThan(1);
      expect(files.units.every((u) => u.name && u.labels?.visualId && u.query.kind === 'metric')).toBe(true);
      expect(files.manifest).toEqual({
        kind: 'report',
        meta: { reportId: 'store-performance', title: expect.any(String) },
      });
      expect((await planExport(request({ format: 'sql', query: report }), open)).layout).toBe('statements');
      const one = await planExport(request({ query: { ...report, pages: ['page_1'] } }), open);
      expect(one.layout).toBe('one-file');
    });

    it('carries format, compression, encoder options and split through', async () => {
      const plan = await planExport(
        request({
          query: table('events'),
          options: {
            compression: 'gzip',
            delimiter: ';',
            header: false,
            maxRowsPerFile: 100,
            partSizeMiB: 8,
          },
        }),
        open,
      );
      expect(plan).toMatchObject({
        layout: 'one-file',
        format: 'csv',
        compression: 'gzip',
        encoderOptions: { delimiter: ';', header: false },
        split: { maxRowsPerFile: 100 },
        partSizeMiB: 8,
      });
    });
  });
});

describe('bounded planning', () => {
  const csvBody = (filteredColumns: number) => {
    const body = structuredClone(SEED_CSV_ACTION.data.body) as unknown as {
      csvFormat: { columns: Record<string, unknown>[] };
    };
    for (let i = 0; i < filteredColumns; i += 1) {
      body.csvFormat.columns.push({
        heading: `Segment ${i}`,
        metricId: 'entries-by-day',
        fetchValue: 'entries',
        filter: { region: `r${i}` },
      });
    }
    return body as never;
  };

  it(`refuses more than ${MAX_PLANS_PER_REQUEST} CSV-generator queries, naming the limit`, async () => {
    const csv = (n: number) => request({ query: { kind: 'csv-generator', body: csvBody(n) } });
    const planned = await planExport(csv(MAX_PLANS_PER_REQUEST - 1), open);
    expect(planned.units[0]!.query.kind === 'csv-generator' && planned.units[0]!.query.plans).toHaveLength(
      MAX_PLANS_PER_REQUEST,
    );
    const problem = await problemOf(csv(MAX_PLANS_PER_REQUEST));
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('REQUEST_INVALID');
    expect(problem.errors).toEqual([
      {
        field: 'csvFormat.columns',
        rule: expect.stringContaining(
          `at most ${MAX_PLANS_PER_REQUEST} distinct (metricRequest, filter) queries`,
        ),
      },
    ]);
  });

  it(`refuses a report selection of more than ${MAX_PLANS_PER_REQUEST} visuals, naming the limit`, async () => {
    const demo = loadDemoCatalog();
    const real = demo.report('store-performance')!;
    const visual = real.pages[0]!.visuals[0]!;
    const big = {
      ...real,
      pages: [1, 2].map((p) => ({
        ...real.pages[0]!,
        id: `page_${p}`,
        visuals: Array.from({ length: 101 }, (_, i) => ({ ...visual, id: `v${p}_${i}` })),
      })),
    };
    const catalog: Catalog = { ...demo, measure: (n) => demo.measure(n), report: () => big };
    const f = { ...open, catalog };
    const report = (pages?: string[]) =>
      request({ format: 'json', query: { kind: 'report', reportId: 'big', ...(pages ? { pages } : {}) } });
    expect((await planExport(report(['page_1']), f)).units).toHaveLength(101);
    const problem = await problemOf(report(), f);
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([
      {
        field: 'pages',
        rule: `at most ${MAX_PLANS_PER_REQUEST} visuals per export (the plans-per-request limit); this selection has 202`,
      },
    ]);
  });

  it('fails with REQUEST_INVALID naming the time limit once planning runs past it', async () => {
    let clock = 0;
    const now = () => (clock += 1); // every look at the clock is a millisecond of planning
    const report = request({ format: 'json', query: { kind: 'report', reportId: 'store-performance' } });
    const units = (await planExport(report, open, { now })).units.length;
    expect(units).toBeGreaterThan(2);
    const err = await planExport(report, { ...open, timeoutMs: 3 }, { now }).catch((e: unknown) => e);
    const problem = problemFromError(err);
    expect(problem.status).toBe(400);
    expect(problem.code).toBe('REQUEST_INVALID');
    expect(problem.errors).toEqual([
      { field: 'query', rule: expect.stringMatching(/^planned within 3 ms \(the planning time limit/) },
    ]);
  });

  it('stops at the next unit once the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const report = request({ format: 'json', query: { kind: 'report', reportId: 'store-performance' } });
    const err = await planExport(report, open, { signal: controller.signal }).catch((e: unknown) => e);
    expect(problemFromError(err).errors).toEqual([{ field: 'query', rule: 'planning was cancelled' }]);
  });
});
