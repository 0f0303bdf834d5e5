import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';

describe('Kafka broker (real, KRaft)', () => {
  const kafka = new Kafka({
    clientId: 'sluice-smoke',
    brokers: inject('infra').KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const topic = `smoke-${randomUUID()}`;
  const groupId = `smoke-group-${randomUUID()}`;

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
  });

  it('produces to and consumes from a fresh topic in a consumer group, committing offsets', async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    console.log(
      `[smoke] kafka cluster ${cluster.clusterId}, brokers ${cluster.brokers.map((b) => `${b.host}:${b.port}`)}`,
    );
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });

    await producer.connect();
    const sent = ['ws-a', 'ws-b', 'ws-a'].map((key, i) => ({ key, value: JSON.stringify({ n: i, key }) }));
    await producer.send({ topic, messages: sent });

    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; partition: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            received.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect(); // commits what eachMessage resolved

    expect(received.map((m) => m.value).sort()).toEqual(sent.map((m) => m.value).sort());
    // Same key, same partition: the ordering promise per workspace rests on this.
    const byKey = new Map<string, Set<number>>();
    for (const m of received) byKey.set(m.key, (byKey.get(m.key) ?? new Set()).add(m.partition));
    expect(byKey.get('ws-a')!.size).toBe(1);

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(sent.length);
  });
});
