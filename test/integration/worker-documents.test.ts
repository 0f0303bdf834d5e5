import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import * as XLSX from 'xlsx';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCatalog } from '../../catalog/catalog.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { Topics } from '../../schemas/topics.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { SEED_ENTITY } from '../support/metric-fixtures.ts';
import { startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { decodePng } from '../support/png-pixels.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { startTestWorker } from '../support/worker.ts';
import { TABLES_ONLY_GRANT } from '../support/grants.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// The demo report of every visual kind, through Kafka → worker → S3 as pdf, xlsx, pptx and png, for its
// recipient; each document read back by a program that did not write it.
describe('export worker: rendered report documents', () => {
  const workspaceId = `wd-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-docs-'));
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  let engines: MetricEngines;
  let db: pg.Client;
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;
  let s3: S3Client;

  beforeAll(async () => {
    const infra = inject('infra');
    engines = await startMetricEngines(infra, ['postgres']);
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    await db.query(
      `CREATE VIEW "${engines.pgSchema}".footfall_slow AS
         SELECT f.*, pg_sleep(0.01) IS NULL AS slept FROM "${engines.pgSchema}".footfall_hourly f`,
    );
    const data = structuredClone(engines.engines[0]!.catalog.data);
    data.metrics.footfall_slow = {
      ...data.metrics.footfall!,
      table: `${engines.pgSchema}.footfall_slow`,
      measures: { slow_entries: { aggregate: 'sum', column: 'entries' } },
    };
    const overview = data.reports.find((r) => r.id === 'store-overview')!;
    const slowTrend = structuredClone(overview.pages[1]!.visuals[0]!);
    slowTrend.query.measures = ['slow_entries'];
    slowTrend.encoding!.measures = ['slow_entries'];
    data.reports.push({
      id: 'slow-overview',
      title: 'Too slow for its timeout',
      queryTimeoutMs: 500,
      pages: [overview.pages[0]!, { id: 'slow', title: 'Slow', visuals: [slowTrend] }],
    });
    const pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateRowPolicies(pool);
    const policies = createPgPolicyStore(pool);
    await policies.putPolicy({
      workspaceId,
      policyId: 'ceo',
      subject: { kind: 'user', name: 'ceo' },
      allow: 'all',
    });
    await policies.putPolicy({
      workspaceId,
      policyId: 'bob',
      subject: { kind: 'user', name: 'bob' },
      allow: { entity: [SEED_ENTITY] },
    });
    await pool.end();
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed]);
    producer = kafka.producer();
    await producer.connect();
    s3 = testS3Client();
    worker = await startTestWorker([{ name: 'metrics', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT }], {
      catalog: createCatalog(data),
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    s3?.destroy();
    await db?.query(`DELETE FROM sluice_row_policies WHERE workspace_id = $1`, [workspaceId]);
    await db?.end();
    await engines?.close();
  });

  const submit = async (query: Record<string, unknown>, format: string, recipient = 'ceo') => {
    const requestId = randomUUID();
    await producer.send({
      topic: Topics.requests,
      messages: [
        {
          key: workspaceId,
          value: JSON.stringify({
            version: 1,
            requestId,
            workspaceId,
            source: 'metrics',
            query,
            format,
            requestedBy: recipient,
          }),
        },
      ],
    });
    const [outcome] = await recorder.waitFor(
      (r) => (r.topic === Topics.completed || r.topic === Topics.failed) && r.json().requestId === requestId,
    );
    return { ok: outcome!.topic === Topics.completed, event: outcome!.json<Json>() };
  };
  const read = async (key: string) => {
    const res = await s3.send(new GetObjectCommand({ Bucket: s3Settings().bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  };
  const saved = async (key: string, name: string) => {
    const path = join(dir, name);
    writeFileSync(path, await read(key));
    return path;
  };
  const report = { kind: 'report', reportId: 'store-overview' };

  it('renders the whole report as a PDF: a page per report page and on, filters, vector charts, embedded fonts', async () => {
    const { ok, event } = await submit({ ...report, filters: { region: ['North', 'South'] } }, 'pdf');
    expect(ok, JSON.stringify(event)).toBe(true);
    expect(event.contentType).toBe('application/pdf');
    const path = await saved(event.key, 'overview.pdf');
    const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', [path]))![1]);
    expect(pages).toBeGreaterThanOrEqual(5);
    const text = run('pdftotext', ['-raw', path, '-']);
    for (const title of ['Headline figures', 'Daily trend', 'Breakdown', 'Shares', 'Daily detail'])
      expect(text).toContain(title);
    expect(text).toContain('Filters: region = North, South');
    expect(text).toMatch(/Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(run('pdfimages', ['-list', path]).trim().split('\n')).toHaveLength(2);
    expect(run('pdffonts', [path])).toMatch(/DejaVuSans\s.*yes\s+yes\s+yes/);
  });

  it('writes a workbook of one sheet per visual, for the recipient’s rows only, with SUM totals', async () => {
    const forCeo = await submit(report, 'xlsx');
    const forBob = await submit(report, 'xlsx', 'bob');
    expect([forCeo.ok, forBob.ok], JSON.stringify([forCeo.event, forBob.event])).toEqual([true, true]);
    const ceo = XLSX.read(await read(forCeo.event.key), { type: 'buffer', cellFormula: true });
    const bob = XLSX.read(await read(forBob.event.key), { type: 'buffer', cellFormula: true });
    expect(ceo.SheetNames).toEqual([
      'Entries in April',
      'Sales volume in April',
      'Entries by day and location',
      'Sales volume by day',
      'Entries by segment',
      'Sales volume and transactions b',
      'Entries by age band',
      'Sales volume by region',
      'Entries per day, location and r',
    ]);
    const total = (wb: XLSX.WorkBook) => {
      const ws = wb.Sheets['Entries in April']!;
      const rows = XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1 });
      const last = rows.length;
      expect(ws[`A${last}`]!.v).toBe('Total');
      expect(ws[`C${last}`]!.f).toBe(`SUM(C2:C${last - 1})`);
      return ws[`C${last}`]!.v as number;
    };
    const { rows } = await db.query<{ entries: string }>(
      `SELECT sum(entries)::text AS entries FROM "${engines.pgSchema}".footfall_hourly
        WHERE location_id = $1 AND observed_at BETWEEN '2024-04-01T00:00:00Z' AND '2024-04-30T23:59:59Z'`,
      [SEED_ENTITY],
    );
    expect(total(bob)).toBe(Number(rows[0]!.entries));
    expect(total(ceo)).toBeGreaterThan(total(bob));
  });

  it('writes a deck: title slide with the filters, native charts with data, native tables', async () => {
    const { ok, event } = await submit(
      { ...report, filters: { region: 'North' }, pages: ['trend', 'shares'] },
      'pptx',
    );
    expect(ok, JSON.stringify(event)).toBe(true);
    const path = await saved(event.key, 'overview.pptx');
    const parts = run('unzip', ['-Z1', path]).trim().split('\n');
    expect(parts.filter((p) => /^ppt\/slides\/slide\d+\.xml$/.test(p))).toHaveLength(5);
    expect(parts.filter((p) => /^ppt\/charts\/chart\d+\.xml$/.test(p))).toHaveLength(4);
    expect(run('unzip', ['-p', path, 'ppt/slides/slide1.xml'])).toContain('region: North');
    const charts = parts
      .filter((p) => /^ppt\/charts\/chart\d+\.xml$/.test(p))
      .map((p) => run('unzip', ['-p', path, p]));
    const values = charts.flatMap((x) =>
      [...x.matchAll(/<c:val>[\s\S]*?<\/c:val>/g)].flatMap((m) =>
        [...m[0].matchAll(/<c:v>([^<]+)<\/c:v>/g)].map((v) => Number(v[1])),
      ),
    );
    expect(values.length).toBeGreaterThan(30);
    expect(values.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('exports one visual as a 2x PNG, and the whole report as one PNG per visual plus a manifest', async () => {
    const one = await submit({ ...report, visuals: ['entries_by_segment'] }, 'png');
    const marked = await submit(
      { ...report, visuals: ['entries_by_segment'], watermark: 'Shared: ACME' },
      'png',
    );
    expect([one.ok, marked.ok]).toEqual([true, true]);
    const a = decodePng(await read(one.event.key));
    const b = decodePng(await read(marked.event.key));
    expect([a.width, a.height]).toEqual([1600, 900]);
    expect(a.rgba.equals(b.rgba)).toBe(false);

    const all = await submit(report, 'png');
    expect(all.ok, JSON.stringify(all.event)).toBe(true);
    expect(all.event.files).toHaveLength(9);
    const manifest = JSON.parse((await read(all.event.key)).toString('utf8'));
    expect(manifest.entries.map((e: Json) => e.visualId)).toContain('sales_by_region');
    const kpi = decodePng(await read(manifest.entries[0].key));
    expect([kpi.width, kpi.height]).toEqual([800, 450]);
  });

  it('fails a report whose query outlives its timeout with QUERY_TIMEOUT, and leaves no document', async () => {
    const { ok, event } = await submit({ kind: 'report', reportId: 'slow-overview' }, 'pdf');
    expect(ok).toBe(false);
    expect(event.code).toBe('QUERY_TIMEOUT');
    const listed = await s3.send(
      new ListObjectsV2Command({
        Bucket: s3Settings().bucket,
        Prefix: `exports/${workspaceId}/${event.jobId}/`,
      }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('refuses a visual id the report does not have', async () => {
    const { ok, event } = await submit({ ...report, visuals: ['nope'] }, 'pdf');
    expect(ok).toBe(false);
    expect(event.code).toBe('REQUEST_INVALID');
    expect(event.message).toContain('visuals.0');
  });
});
