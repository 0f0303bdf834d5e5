import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import { Topics } from '../../schemas/topics.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { startTestWorker } from '../support/worker.ts';
import { OPEN_GRANT } from '../support/grants.ts';

// A long export outlives the consumer's session timeout (20 s here) and still keeps its partition,
// while requests on other partitions go through meanwhile.
describe('export worker: long exports', () => {
  const workspaceId = `ws-live-${randomUUID().slice(0, 8)}`;
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed]);
    producer = kafka.producer();
    await producer.connect();
    worker = await startTestWorker([{ name: 'pg', url: inject('infra').DATABASE_URL, grant: OPEN_GRANT }]);
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
  });

  const request = (sql: string) => ({
    version: 1,
    requestId: randomUUID(),
    workspaceId,
    requestedBy: 'live@example.com',
    source: 'pg',
    query: { kind: 'sql', sql },
    format: 'csv',
  });

  it(
    'heartbeats through a 25 s query, while another partition keeps flowing',
    { timeout: 90_000 },
    async () => {
      const slow = request('SELECT 1 AS n FROM pg_sleep(25)');
      const quick = request('SELECT 2 AS n');
      await producer.send({
        topic: Topics.requests,
        messages: [{ key: workspaceId, value: JSON.stringify(slow), partition: 0 }],
      });
      await new Promise((r) => setTimeout(r, 2000)); // the slow one is running
      const sentQuick = Date.now();
      await producer.send({
        topic: Topics.requests,
        messages: [{ key: workspaceId, value: JSON.stringify(quick), partition: 1 }],
      });

      const [quickDone] = await recorder.waitFor(
        (r) => r.topic === Topics.completed && r.json().requestId === quick.requestId,
      );
      expect(Date.now() - sentQuick).toBeLessThan(15_000); // did not wait behind the slow export
      expect(recorder.records.some((r) => r.json().requestId === slow.requestId)).toBe(false);
      expect(quickDone!.json()).toMatchObject({ rows: 1 });

      const [slowDone] = await recorder.waitFor(
        (r) => r.topic === Topics.completed && r.json().requestId === slow.requestId,
        1,
        60_000,
      );
      expect(slowDone!.json()).toMatchObject({ rows: 1 });
      // One attempt: the partition was never taken away and redelivered mid-export.
      const job = await worker.store.get(jobIdFor(workspaceId, slow.requestId));
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
      const events = recorder.records.filter((r) => r.json().requestId === slow.requestId);
      expect(events).toHaveLength(1);
    },
  );
});
