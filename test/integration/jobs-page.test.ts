/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { TokenStore } from '../../auth/tokens.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { startTestApi } from '../support/api.ts';
import { ARTIFACTS, launchChromium } from '../support/browser.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';

// The Jobs page in a real headless Chromium: what a workspace's operator sees and does, by keyboard.
describe('the Jobs page (/jobs)', () => {
  const run = randomUUID().slice(0, 8);
  const ws = `page-${run}`;
  const other = `page-other-${run}`;
  const ids = {
    running: `${ws}-running`,
    queued: `${ws}-queued`,
    succeeded: `${ws}-succeeded`,
    failed: `${ws}-failed`,
    otherFailed: `${other}-secret-failed`,
  };
  const resultBody = 'n,h\n1,c4ca\n2,c81e\n';
  const key = `exports/${ws}/${ids.succeeded}/result.csv`;
  let pool: pg.Pool;
  let api: ApiService;
  let s3: S3Client;
  let browser: Browser;
  let page: Page;
  let token: string;

  const insertJob = (id: string, workspaceId: string, status: string, extra: Record<string, unknown> = {}) =>
    pool.query(
      `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status, rows,
                               bytes, result, error, started_at, finished_at, created_at)
       VALUES ($1, $2, $1, 'h', '{}', 'csv', $3, $4, $5, $6, $7,
               CASE WHEN $3 <> 'queued' THEN now() - interval '20 seconds' END,
               CASE WHEN $3 IN ('succeeded', 'failed') THEN now() END, now() - make_interval(secs => $8))`,
      [
        id,
        workspaceId,
        status,
        extra.rows ?? 0,
        extra.bytes ?? 0,
        extra.result ? JSON.stringify(extra.result) : null,
        extra.error ? JSON.stringify(extra.error) : null,
        extra.ageSeconds ?? 0,
      ],
    );

  const shot = (name: string) =>
    page.screenshot({ path: fileURLToPath(new URL(`jobs-page-${name}.png`, ARTIFACTS)), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 2 });
    await migrateAuthStore(pool);
    // The page shows what the token may see: an admin token, the whole workspace's queue (a member's shows
    // the jobs they asked for or receive).
    token = (
      await new TokenStore(pool).create({
        workspaceId: ws,
        userId: 'operator',
        kind: 'interactive',
        role: 'admin',
      })
    ).token;
    api = await startTestApi(); // migrates the job store
    s3 = testS3Client();
    await s3.send(
      new PutObjectCommand({
        Bucket: s3Settings().bucket,
        Key: key,
        Body: resultBody,
        ContentType: 'text/csv',
      }),
    );
    await insertJob(ids.running, ws, 'running', { rows: 1_000, bytes: 50_000, ageSeconds: 40 });
    await insertJob(ids.queued, ws, 'queued', { ageSeconds: 30 });
    await insertJob(ids.succeeded, ws, 'succeeded', {
      rows: 2,
      bytes: resultBody.length,
      ageSeconds: 20,
      result: { format: 'csv', bucket: s3Settings().bucket, key, rows: 2, bytes: resultBody.length },
    });
    await insertJob(ids.failed, ws, 'failed', {
      ageSeconds: 10,
      error: { code: 'QUERY_FAILED', message: 'relation "nope" does not exist', retriable: false },
    });
    await insertJob(ids.otherFailed, other, 'failed', {
      error: { code: 'QUERY_FAILED', message: 'another workspace secret', retriable: false },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    s3?.destroy();
    await pool?.query(`DELETE FROM sluice_jobs WHERE workspace_id IN ($1, $2)`, [ws, other]);
    await pool?.end();
  });

  const row = (table: string, id: string) => page.locator(`#${table} tr[data-job="${id}"]`);

  it('asks for a token first, in a labelled field, and refuses a wrong one', async () => {
    await page.goto(`${api.url}/jobs?refresh_ms=300`);
    const field = page.getByLabel('API token');
    await expect.poll(() => field.isVisible()).toBe(true);
    // The field has focus on load, so a keyboard user types at once.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type('sl_not-a-real-token');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    expect(await page.locator('#board').isVisible()).toBe(false);
    await shot('refused');
  });

  it("shows the workspace's depth, live progress, results and failures — and nothing of another workspace", async () => {
    await page.getByLabel('API token').focus();
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await expect.poll(() => row('running', ids.running).textContent()).toContain('1,000');
    expect(await page.locator('#workspace').textContent()).toBe(ws);
    expect(await page.locator('#depth li[data-state="queued"] strong').textContent()).toBe('1');
    expect(await page.locator('#depth li[data-state="running"] strong').textContent()).toBe('1');
    expect(await row('running', ids.queued).textContent()).toContain('queued');
    expect(await row('failures', ids.failed).textContent()).toContain('QUERY_FAILED');
    expect(await row('failures', ids.failed).textContent()).toContain('relation "nope" does not exist');
    // Rate since start (20 s ago): about 50 rows/s; the total is not known, so no ETA is made up.
    expect(await row('running', ids.running).textContent()).toMatch(/\d+ rows\/s/);
    expect(await row('running', ids.running).locator('td').nth(5).textContent()).toBe('unknown');

    // The worker records progress with its lease renewal; the page follows without a reload.
    await pool.query(`UPDATE sluice_jobs SET rows = 250000, bytes = 12500000 WHERE job_id = $1`, [
      ids.running,
    ]);
    await expect.poll(() => row('running', ids.running).textContent()).toContain('250,000');
    expect(await row('running', ids.running).textContent()).toContain('12.5 MB');

    // The download link is a real presigned URL of the stored object.
    const link = page.getByRole('link', { name: `Download the result of job ${ids.succeeded}` });
    await expect.poll(() => link.count()).toBe(1);
    const res = await fetch((await link.getAttribute('href'))!);
    expect(await res.text()).toBe(resultBody);

    const html = await page.content();
    expect(html).not.toContain(other);
    expect(html).not.toContain('another workspace secret');
    await shot('board');
  });

  it('cancels a queued job from the keyboard', async () => {
    const label = `Cancel job ${ids.queued}`;
    await page.locator('#title').focus();
    let reached = false;
    for (let i = 0; i < 20 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate((l) => document.activeElement?.getAttribute('aria-label') === l, label);
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`Job ${ids.queued} cancelled.`);
    const { rows } = await pool.query(`SELECT status FROM sluice_jobs WHERE job_id = $1`, [ids.queued]);
    expect(rows[0].status).toBe('cancelled');
    await expect.poll(() => row('running', ids.queued).count()).toBe(0);
    expect(await page.locator('#depth li[data-state="cancelled"] strong').textContent()).toBe('1');
    await shot('cancelled');
  });

  it('signs out, forgetting the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).press('Enter');
    await expect.poll(() => page.getByLabel('API token').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.locator('#running tbody tr').count()).toBe(0);
  });
});
