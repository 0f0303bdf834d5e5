import { randomUUID } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import { Topics } from '../../schemas/topics.ts';
import { OPEN_GRANT } from '../support/grants.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { startTestWorker } from '../support/worker.ts';

const DAY_MS = 24 * 3_600_000;

// A new deployment (a new group, perhaps beside a new job database) must not run the requests topic's history
// again; replaying it is an explicit choice. The test has a requests topic of its own, so "history" is only
// what it wrote there, and replaying it answers nobody else's requests.
describe('deployment safety: where a new worker group starts', () => {
  const run = randomUUID().slice(0, 8);
  const topic = `sluice.export.requests.replay-${run}`;
  const workspaceId = `ws-replay-${run}`;
  const sources = [{ name: 'pg', url: inject('infra').DATABASE_URL, grant: OPEN_GRANT }];
  let admin: Admin;
  let producer: Producer;
  let recorder: TopicRecorder;
  let worker: WorkerService | undefined;

  beforeAll(async () => {
    const kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    // One partition: a probe written after the old records is read after them.
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    producer = kafka.producer();
    await producer.connect();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed]);
  });

  afterAll(async () => {
    await worker?.stop();
    await recorder?.stop();
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin?.disconnect();
  });

  const request = (n: number) => ({
    version: 1,
    requestId: randomUUID(),
    workspaceId,
    requestedBy: 'replay@example.com',
    source: 'pg',
    query: { kind: 'sql', sql: `SELECT ${n} AS n` },
    format: 'csv',
  });
  const send = (value: object, timestamp?: number) =>
    producer.send({
      topic,
      messages: [
        {
          key: workspaceId,
          value: JSON.stringify(value),
          ...(timestamp !== undefined ? { timestamp: String(timestamp) } : {}),
        },
      ],
    });
  const outcomesOf = (requestId: string) => recorder.records.filter((r) => r.json().requestId === requestId);

  /**
   * A group with no offsets resolves where it starts when it first fetches, a moment after it joined. A
   * probe written before that is skipped like the history; so probes are written until one is run: from
   * then on the partition is read, and everything before the probe was either run or skipped.
   */
  async function probeUntilRun(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const probe = request(100 + i);
      await send(probe);
      const seen = await recorder
        .waitFor((r) => r.json().requestId === probe.requestId, 1, 2_000)
        .catch(() => undefined);
      if (seen) {
        expect(seen[0]!.topic).toBe(Topics.completed);
        return;
      }
    }
    throw new Error('no probe was run within 20 tries');
  }

  it(
    'a fresh group skips old requests by default; SLUICE_REQUESTS_FROM=earliest runs them, and a record older than the max age is answered REQUEST_EXPIRED',
    { timeout: 30_000 },
    async () => {
      const old1 = request(1);
      const old2 = request(2);
      const stale = request(3);
      await send(old1);
      await send(old2);
      await send(stale, Date.now() - DAY_MS - 3_600_000); // written 25 h ago

      // The default: a new group starts at the end of the topic.
      worker = await startTestWorker(sources, {
        groupId: `replay-latest-${run}`,
        requestTopic: topic,
        requestMaxAgeMs: DAY_MS,
      });
      await probeUntilRun();
      for (const r of [old1, old2, stale]) {
        expect(await worker.store.get(jobIdFor(workspaceId, r.requestId))).toBeUndefined();
        expect(outcomesOf(r.requestId)).toEqual([]);
      }
      await worker.stop();
      worker = undefined;

      // The explicit choice: another new group, told to replay.
      worker = await startTestWorker(sources, {
        groupId: `replay-earliest-${run}`,
        requestTopic: topic,
        requestsFrom: 'earliest',
        requestMaxAgeMs: DAY_MS,
      });
      for (const r of [old1, old2]) {
        const [done] = await recorder.waitFor((e) => e.json().requestId === r.requestId, 1, 15_000);
        expect(done!.topic).toBe(Topics.completed);
        expect(done!.json()).toMatchObject({ rows: 1 });
      }
      const [expired] = await recorder.waitFor((e) => e.json().requestId === stale.requestId, 1, 15_000);
      expect(expired!.topic).toBe(Topics.failed);
      expect(expired!.json()).toMatchObject({ code: 'REQUEST_EXPIRED', retriable: false });
      const staleJob = await worker.store.get(jobIdFor(workspaceId, stale.requestId));
      expect(staleJob).toMatchObject({ status: 'failed', attempts: 0 });
      expect(staleJob!.error).toMatchObject({ code: 'REQUEST_EXPIRED' });
      // Exactly one answer each.
      for (const r of [old1, old2, stale]) expect(outcomesOf(r.requestId)).toHaveLength(1);
    },
  );
});
