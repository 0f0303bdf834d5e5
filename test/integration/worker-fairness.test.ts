import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import { Topics } from '../../schemas/topics.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT } from '../support/grants.ts';

// One workspace's flood must not starve another's job — even when both land on the same partition, which
// is exactly what keying requests by workspace allows.
describe('export worker: fairness across workspaces', () => {
  const flooder = `ws-flood-${randomUUID().slice(0, 8)}`;
  const other = `ws-other-${randomUUID().slice(0, 8)}`;
  let db: pg.Client;
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    const infra = inject('infra');
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed]);
    producer = kafka.producer();
    await producer.connect();
    // One job at a time in the whole cluster, so the order jobs start in is the scheduler's choice alone.
    worker = await startTestWorker([{ name: 'fair', url: infra.DATABASE_URL, grant: OPEN_GRANT }], {
      concurrency: 1,
      workspaceMaxRunning: 1,
    });
  });

  afterAll(async () => {
    // The flood is not waited out: what is still queued is cancelled, so no later test inherits it.
    await db?.query(
      `UPDATE sluice_jobs SET status = 'cancelled', finished_at = now()
        WHERE workspace_id = $1 AND status IN ('queued', 'running')`,
      [flooder],
    );
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    await db?.end();
  });

  const request = (workspaceId: string) => ({
    version: 1,
    requestId: randomUUID(),
    workspaceId,
    requestedBy: 'tester@example.com',
    source: 'fair',
    // Long enough that the flood takes a while to drain, short enough to keep the test quick.
    query: { kind: 'sql', sql: 'SELECT 1 AS one FROM pg_sleep(0.2)' },
    format: 'csv',
  });

  const jobRows = async (workspaceId: string) =>
    (
      await db.query<{ job_id: string; status: string; admitted_at: Date | null; started_at: Date | null }>(
        `SELECT job_id, status, admitted_at, started_at FROM sluice_jobs WHERE workspace_id = $1`,
        [workspaceId],
      )
    ).rows;

  it("starts workspace B's one job before workspace A's 50 queued jobs drain, on the same partition", async () => {
    const flood = Array.from({ length: 50 }, () => request(flooder));
    const [sent] = await producer.send({
      topic: Topics.requests,
      messages: flood.map((r) => ({ key: flooder, value: JSON.stringify(r) })),
    });
    const partition = sent!.partition;

    // All 50 admitted (queued in the job store) before B asks, so B really arrives behind the whole flood.
    for (let i = 0; ; i++) {
      const rows = await jobRows(flooder);
      if (rows.filter((r) => r.admitted_at).length === 50) break;
      if (i > 600) throw new Error(`only ${rows.length} of the flood admitted after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const startedBeforeB = (await jobRows(flooder)).filter((r) => r.started_at).length;

    const lone = request(other);
    await producer.send({
      topic: Topics.requests,
      // Forced onto the flood's partition: per-partition order would put it 51st.
      messages: [{ key: other, value: JSON.stringify(lone), partition }],
    });
    const [done] = await recorder.waitFor(
      (r) => r.topic === Topics.completed && r.json().requestId === lone.requestId,
    );
    expect(done!.json().jobId).toBe(jobIdFor(other, lone.requestId));

    const mine = (await jobRows(other))[0]!;
    const floodRows = await jobRows(flooder);
    const floodStartedFirst = floodRows.filter((r) => r.started_at && r.started_at < mine.started_at!).length;
    // B waited for at most the flood job running when it arrived (plus one started in that instant).
    expect(floodStartedFirst).toBeLessThanOrEqual(startedBeforeB + 1);
    // …while most of the flood was still waiting: B did not simply outlast A's queue.
    const floodNotYetStarted = floodRows.filter(
      (r) => !r.started_at || r.started_at > mine.started_at!,
    ).length;
    expect(floodNotYetStarted).toBeGreaterThanOrEqual(40);

    // Each workspace sees its own depth.
    const depthA = await worker.store.queueDepth(flooder);
    const depthB = await worker.store.queueDepth(other);
    expect(depthA.queued).toBeGreaterThan(30);
    expect(depthB).toMatchObject({ queued: 0, running: 0, succeeded: 1 });
  });
});
