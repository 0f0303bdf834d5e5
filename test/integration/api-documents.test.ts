import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { ApiService } from '../../producers/http/service.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { startTestApi } from '../support/api.ts';
import { startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { decodePng } from '../support/png-pixels.ts';
import { startTestWorker } from '../support/worker.ts';
import { TABLES_ONLY_GRANT } from '../support/grants.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// One visual alone, and shared links with their watermark, through the job API, the worker and S3Proxy.
describe('job API: visual exports and shared links', () => {
  const workspaceId = `ad-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-api-docs-'));
  let engines: MetricEngines;
  let pool: pg.Pool;
  let api: ApiService;
  let worker: WorkerService;
  let ceo: string;

  beforeAll(async () => {
    const infra = inject('infra');
    engines = await startMetricEngines(infra, ['postgres']);
    const { catalog } = engines.engines[0]!;
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    await migrateRowPolicies(pool);
    await createPgPolicyStore(pool).putPolicy({
      workspaceId,
      policyId: 'ceo',
      subject: { kind: 'user', name: 'ceo' },
      allow: 'all',
    });
    ceo = (await new TokenStore(pool).create({ workspaceId, userId: 'ceo', kind: 'api' })).token;
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
    await pool?.query(`DELETE FROM sluice_shared_links WHERE workspace_id = $1`, [workspaceId]);
    await pool?.end();
    await engines?.close();
  });

  const call = (method: string, path: string, body?: unknown, token: string | undefined = ceo) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Json });
  const document = async (res: Response): Promise<Buffer> => {
    const { status, body } = await json(res);
    expect(status, JSON.stringify(body)).toBe(202);
    for (let i = 0; i < 300; i++) {
      const job = (await json(await call('GET', `/v1/jobs/${body.job_id}`))).body;
      if (job.status === 'succeeded') {
        const { url } = (await json(await call('GET', `/v1/jobs/${body.job_id}/result`))).body;
        return Buffer.from(await (await fetch(url)).arrayBuffer());
      }
      if (['failed', 'cancelled'].includes(job.status)) throw new Error(JSON.stringify(job));
      await sleep(200);
    }
    throw new Error('job did not finish');
  };
  const pdfText = (bytes: Buffer, name: string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return execFileSync('pdftotext', ['-raw', path, '-'], { encoding: 'utf8' });
  };

  it('exports one visual alone: POST /v1/reports/{id}/visuals/{visualId}/export', async () => {
    const pdf = await document(
      await call('POST', '/v1/reports/store-overview/visuals/entries_by_age/export', { format: 'pdf' }),
    );
    const text = pdfText(pdf, 'visual.pdf');
    expect(text).toContain('Entries by age band');
    expect(text).toContain('Page 1 of 1');
    expect(text).not.toContain('Entries by segment');
    const png = decodePng(
      await document(
        await call('POST', '/v1/reports/store-overview/visuals/entries_by_age/export', { format: 'png' }),
      ),
    );
    expect([png.width, png.height]).toEqual([1600, 900]);
    const missing = await json(
      await call('POST', '/v1/reports/store-overview/visuals/nope/export', { format: 'pdf' }),
    );
    expect(missing).toMatchObject({ status: 404, body: { code: 'VISUAL_NOT_FOUND' } });
  });

  it('creates, lists and revokes shared links; an export through one carries its watermark', async () => {
    const created = await json(
      await call('POST', '/v1/reports/store-overview/shared-links', { watermark: 'Shared with Bain & Co' }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ report_id: 'store-overview', watermark: 'Shared with Bain & Co' });
    const { token, id } = created.body;
    const listed = await json(await call('GET', '/v1/reports/store-overview/shared-links'));
    expect(listed.body.shared_links.map((l: Json) => l.id)).toEqual([id]);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    // No bearer token: the link is the credential. A watermark in the body cannot replace the link's.
    const pdf = await document(
      await call('POST', `/v1/shared-links/${token}/export`, { format: 'pdf', pages: ['shares'] }, undefined),
    );
    const text = pdfText(pdf, 'shared.pdf').replace(/\s+/g, '');
    const pages = Number(/Page\d+of(\d+)/.exec(text)![1]);
    expect(text.split('SharedwithBain&Co').length - 1).toBe(pages);
    const tampered = await json(
      await call('POST', `/v1/shared-links/${token}/export`, { format: 'pdf', watermark: 'none' }, undefined),
    );
    expect(tampered.status).toBe(400);

    const plain = decodePng(
      await document(
        await call('POST', '/v1/reports/store-overview/visuals/sales_by_region/export', { format: 'png' }),
      ),
    );
    const marked = decodePng(
      await document(
        await call(
          'POST',
          `/v1/shared-links/${token}/export`,
          { format: 'png', pages: ['shares'], visuals: ['sales_by_region'] },
          undefined,
        ),
      ),
    );
    expect(plain.rgba.equals(marked.rgba)).toBe(false);

    expect((await call('DELETE', `/v1/reports/store-overview/shared-links/${id}`)).status).toBe(204);
    const revoked = await json(
      await call('POST', `/v1/shared-links/${token}/export`, { format: 'pdf' }, undefined),
    );
    expect(revoked).toMatchObject({ status: 404, body: { code: 'SHARED_LINK_NOT_FOUND' } });
    expect((await json(await call('DELETE', `/v1/reports/store-overview/shared-links/${id}`))).status).toBe(
      404,
    );
    const after = await json(await call('GET', '/v1/reports/store-overview/shared-links'));
    expect(after.body.shared_links[0].revoked_at).not.toBeNull();
  });

  it('gives every shared link an expiry (default 30 days, at most 365) and refuses exports past it', async () => {
    const made = await json(
      await call('POST', '/v1/reports/store-overview/shared-links', { watermark: 'Auditors' }),
    );
    expect(made.status).toBe(201);
    const { token, id } = made.body;
    expect(Date.parse(made.body.expires_at) - Date.parse(made.body.created_at)).toBe(30 * 86_400_000);

    const later = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const chosen = await json(
      await call('POST', '/v1/reports/store-overview/shared-links', {
        watermark: 'Board',
        expires_at: later,
      }),
    );
    expect(chosen.status).toBe(201);
    expect(chosen.body.expires_at).toBe(later);
    for (const expires_at of [
      new Date(Date.now() - 60_000).toISOString(),
      new Date(Date.now() + 400 * 86_400_000).toISOString(),
      'next week',
    ]) {
      const refused = await json(
        await call('POST', '/v1/reports/store-overview/shared-links', { watermark: 'x', expires_at }),
      );
      expect(refused, expires_at).toMatchObject({ status: 400, body: { code: 'REQUEST_INVALID' } });
      expect(JSON.stringify(refused.body)).toContain('expires_at');
    }

    // The link's time passes (moved back in the store, not waited for): exports through it are refused.
    await pool.query(
      `UPDATE sluice_shared_links SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const expired = await json(
      await call('POST', `/v1/shared-links/${token}/export`, { format: 'pdf' }, undefined),
    );
    expect(expired).toMatchObject({ status: 410, body: { code: 'SHARED_LINK_EXPIRED' } });
    const listed = await json(await call('GET', '/v1/reports/store-overview/shared-links'));
    const shown = listed.body.shared_links.find((l: Json) => l.id === id);
    expect(Date.parse(shown.expires_at)).toBeLessThan(Date.now());
  });
});
