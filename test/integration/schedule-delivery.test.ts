import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { silentLogger } from '../../core/logger.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { startDeliveryService, type DeliveryService } from '../../consumers/delivery/service.ts';
import { onOutcome } from '../../consumers/delivery/deliveries.ts';
import { sendDeliveryMail } from '../../consumers/delivery/send-mail.ts';
import { JobStore } from '../../jobs/job-store.ts';
import { createSchedule, patchSchedule, type ScheduleAdminDeps } from '../../producers/http/schedules.ts';
import { startSchedulerService, type SchedulerService } from '../../producers/scheduler/service.ts';
import { startBoss } from '../../schedules/boss.ts';
import { queueMail } from '../../schedules/mail-queue.ts';
import { migrateSchedules } from '../../schedules/migrations.ts';
import { listRuns } from '../../schedules/schedule-store.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { OPEN_GRANT } from '../../security/source-grants.ts';
import { SourceRegistry } from '../../dialects/source-registry.ts';
import { createSourceCatalog } from '../../planning/source-catalog.ts';
import { readMailbox } from '../support/mailbox.ts';
import { SEED_ENTITY } from '../support/metric-fixtures.ts';
import { startMetricEngines, type MetricEngines } from '../support/metric-engines.ts';
import { startTestWorker } from '../support/worker.ts';

const SOUTH_ENTITY = '64a1b2c3d4e5f6a7b8c9d0e4';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

// Schedule → per-view exports through Kafka and the real worker → outcome events → mails in GreenMail.
describe('scheduled exports are mailed to each recipient as they would see them live', () => {
  const run = randomUUID().slice(0, 8);
  const ws = `sd-${run}`;
  const who = (name: string) => `${name}-${run}@x.example`;
  const identity: TokenIdentity = {
    tokenId: 't',
    workspaceId: ws,
    userId: who('owner'),
    kind: 'api',
    role: 'member',
  };
  let engines: MetricEngines;
  let pool: pg.Pool;
  let boss: PgBoss;
  let admin: ScheduleAdminDeps;
  let worker: WorkerService;
  let scheduler: SchedulerService;
  let delivery: DeliveryService;
  let mailApi: string;
  let registry: SourceRegistry;

  beforeAll(async () => {
    const infra = inject('infra');
    mailApi = infra.SLUICE_TEST_MAIL_API;
    engines = await startMetricEngines(infra, ['postgres']);
    const catalog = engines.engines[0]!.catalog;
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 4 });
    await migrateRowPolicies(pool);
    await migrateSchedules(pool);
    const policies = createPgPolicyStore(pool);
    // Two North managers (one by a user policy, one through a group with the same grant), one who sees all,
    // and one nobody granted anything.
    await policies.putPolicy({
      workspaceId: ws,
      policyId: 'n1',
      subject: { kind: 'user', name: who('north1') },
      allow: { region: ['North'] },
    });
    await policies.putPolicy({
      workspaceId: ws,
      policyId: 'n2',
      subject: { kind: 'group', name: 'north' },
      allow: { region: ['North'] },
    });
    await policies.addMember(ws, 'north', who('north2'));
    await policies.putPolicy({
      workspaceId: ws,
      policyId: 'all',
      subject: { kind: 'user', name: who('boss') },
      allow: 'all',
    });

    boss = await startBoss(pool, { supervise: false });
    const configs = [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }];
    registry = new SourceRegistry(configs);
    admin = {
      pool,
      boss,
      planning: { catalog, policies, sources: createSourceCatalog(registry, configs) },
      reportSource: 'pg',
    };
    worker = await startTestWorker(configs, { catalog });
    scheduler = await startSchedulerService(
      {
        databaseUrl: infra.DATABASE_URL,
        brokers: infra.KAFKA_BROKERS.split(','),
        linkTtlSeconds: 604_800,
        pollSeconds: 1,
      },
      silentLogger,
    );
    delivery = await startDeliveryService(
      {
        databaseUrl: infra.DATABASE_URL,
        brokers: infra.KAFKA_BROKERS.split(','),
        smtpUrl: infra.SLUICE_SMTP_URL,
        mailFrom: 'sluice <sluice@x.example>',
        attachMaxBytes: 1024 * 1024,
        groupId: `sluice-test-delivery-${run}`,
        pollSeconds: 1,
      },
      silentLogger,
    );
  });

  afterAll(async () => {
    // Per-minute schedules would keep firing for any scheduler that runs on this database later.
    await pool?.query(`DELETE FROM sluice_schedules WHERE workspace_id = $1`, [ws]);
    await delivery?.stop();
    await scheduler?.stop();
    await worker?.stop();
    await boss?.stop({ graceful: false, close: false });
    await registry?.closeAll();
    await pool?.end();
    await engines?.close();
  });

  it('one export per distinct row-policy view, a notice for no policy, one mail each, never twice', async () => {
    const recipients = [who('north1'), who('north2'), who('boss'), who('nobody')];
    const schedule = await createSchedule(admin, identity, {
      name: 'Weekly entries',
      cron: '* * * * *',
      timeZone: 'Asia/Kolkata',
      recipients,
      export: {
        source: 'pg',
        query: {
          kind: 'metric',
          request: {
            start: '2024-04-01T00:00:00Z',
            end: '2024-04-14T23:59:59Z',
            entities: [SEED_ENTITY, SOUTH_ENTITY],
            entityType: 'location',
            aggregationPeriod: 'day',
            measures: ['entries'],
          },
        },
        format: 'csv',
      },
    });
    // A real per-minute tick fires it.
    const firstRun = await waitFor(
      'the first run',
      async () => (await listRuns(pool, schedule.scheduleId)).at(-1),
      90_000,
    );
    await patchSchedule(admin, identity, schedule.scheduleId, { state: 'paused' });
    expect(firstRun.exports).toHaveLength(2);
    const byRecipient = Object.fromEntries(firstRun.deliveries.map((d) => [d.recipient, d]));
    expect(byRecipient[who('north1')]!.jobId).toBe(byRecipient[who('north2')]!.jobId);
    expect(byRecipient[who('boss')]!.jobId).not.toBe(byRecipient[who('north1')]!.jobId);
    expect(byRecipient[who('nobody')]!.kind).toBe('notice');
    expect(byRecipient[who('nobody')]!.jobId).toBeNull();

    // The fired exports are ordinary jobs of the workspace, counted by /v1/queue.
    const depth = await new JobStore(pool).queueDepth(ws);
    expect(
      Object.values(depth).reduce<number>((a, b) => a + (typeof b === 'number' ? b : 0), 0),
    ).toBeGreaterThanOrEqual(2);

    const done = await waitFor(
      'every delivery sent',
      async () => {
        const r = (await listRuns(pool, schedule.scheduleId)).find((x) => x.runId === firstRun.runId)!;
        return r.deliveries.every((d) => d.state === 'sent') ? r : undefined;
      },
      120_000,
    );
    expect(done.exports.map((e) => e.status)).toEqual(['succeeded', 'succeeded']);

    const mails = Object.fromEntries(
      await Promise.all(recipients.map(async (r) => [r, await readMailbox(mailApi, r)] as const)),
    );
    for (const r of recipients) expect(mails[r], r).toHaveLength(1);

    const csvOf = (r: string) => mails[r]![0]!.attachments[0]!.content.toString('utf8');
    const north = csvOf(who('north1'));
    expect(csvOf(who('north2'))).toBe(north);
    expect(north.split('\r\n')[0]).toBe('period,entity,entries');
    expect(north).toContain(SEED_ENTITY);
    expect(north).not.toContain(SOUTH_ENTITY);
    const all = csvOf(who('boss'));
    expect(all).toContain(SEED_ENTITY);
    expect(all).toContain(SOUTH_ENTITY);

    // Each export mail carries a presigned link valid for 7 days, which downloads the same bytes.
    const text = mails[who('north1')]![0]!.text;
    const url = /(http:\/\/\S+)/.exec(text)![1]!;
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).toString('utf8')).toBe(north);

    const notice = mails[who('nobody')]![0]!;
    expect(notice.attachments).toHaveLength(0);
    expect(notice.text).toContain('no row-level security policy');
    expect(notice.text).not.toMatch(/https?:\/\//);

    // Redelivery: the outcome event again, the mail job again, a direct send again — no second mail.
    const { rows } = await pool.query(
      `SELECT outcome FROM sluice_schedule_deliveries WHERE run_id = $1 AND recipient = $2`,
      [firstRun.runId, who('boss')],
    );
    await onOutcome(pool, boss, rows[0].outcome);
    await queueMail(boss, pool, firstRun.runId, who('boss'));
    const transport = nodemailer.createTransport(inject('infra').SLUICE_SMTP_URL);
    const again = await sendDeliveryMail(
      { pool, transport, from: 'x@x.example', attachMaxBytes: 0, log: silentLogger },
      firstRun.runId,
      who('boss'),
    );
    transport.close();
    expect(again).toBe('already-sent');
    await sleep(4_000);
    for (const r of recipients) expect(await readMailbox(mailApi, r), r).toHaveLength(1);
  }, 240_000);

  it('a failed export sends a failure mail; an SMTP outage is retried and recorded per recipient', async () => {
    const recipient = who('failing');
    await createPgPolicyStore(pool).putPolicy({
      workspaceId: ws,
      policyId: 'f',
      subject: { kind: 'user', name: recipient },
      allow: 'all',
    });
    // Planned when the schedule is created (the table exists), gone when it runs: the export fails.
    await pool.query(`CREATE TABLE doomed_${run} (id int primary key)`);
    const schedule = await createSchedule({ ...admin, now: () => new Date(Date.now() - 120_000) }, identity, {
      cron: '* * * * *',
      timeZone: 'Europe/Berlin',
      recipients: [recipient],
      export: { source: 'pg', query: { kind: 'table', table: `doomed_${run}` }, format: 'csv' },
    });
    await pool.query(`DROP TABLE doomed_${run}`);
    const runView = await waitFor(
      'the failure mail',
      async () => {
        const r = (await listRuns(pool, schedule.scheduleId)).at(-1);
        return r?.deliveries[0]?.state === 'sent' ? r : undefined;
      },
      120_000,
    );
    await patchSchedule(admin, identity, schedule.scheduleId, { state: 'paused' });
    expect(runView.exports[0]!.status).toBe('failed');
    expect(runView.deliveries[0]!.mail).toBe('failure');
    const mails = await readMailbox(mailApi, recipient);
    expect(mails.length).toBeGreaterThanOrEqual(1);
    expect(mails[0]!.subject).toContain('failed');
    expect(mails[0]!.text).toContain('TABLE_NOT_FOUND');

    // A delivery whose SMTP server is down: the attempt fails retriably and is recorded, then succeeds.
    await pool.query(
      `UPDATE sluice_schedule_deliveries SET state = 'waiting', mail = NULL WHERE run_id = $1`,
      [runView.runId],
    );
    const down = nodemailer.createTransport('smtp://127.0.0.1:1');
    await expect(
      sendDeliveryMail(
        { pool, transport: down, from: 'x@x.example', attachMaxBytes: 0, log: silentLogger },
        runView.runId,
        recipient,
      ),
    ).rejects.toMatchObject({ code: 'DELIVERY_FAILED', retriable: true });
    const failedOnce = (await listRuns(pool, schedule.scheduleId)).at(-1)!.deliveries[0]!;
    expect(failedOnce.state).toBe('sending');
    expect(failedOnce.lastError).toMatch(/ECONNREFUSED/);
    const up = nodemailer.createTransport(inject('infra').SLUICE_SMTP_URL);
    expect(
      await sendDeliveryMail(
        { pool, transport: up, from: 'x@x.example', attachMaxBytes: 0, log: silentLogger },
        runView.runId,
        recipient,
      ),
    ).toBe('sent');
    up.close();
    const final = (await listRuns(pool, schedule.scheduleId)).at(-1)!.deliveries[0]!;
    expect(final.state).toBe('sent');
    expect(final.attempts).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
