import type { Admin } from 'kafkajs';
import type { ConsumerLag } from './worker-metrics.ts';

/**
 * A group's lag on one topic, per partition: the high watermark minus the committed offset (the whole
 * partition when the group has committed nothing there yet).
 */
export async function readConsumerLag(admin: Admin, groupId: string, topic: string): Promise<ConsumerLag[]> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const done = new Map(
    (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
  );
  return ends.map(({ partition, high, low }) => {
    const at = done.get(partition) ?? -1n;
    const from = at < 0n ? BigInt(low) : at;
    const lag = BigInt(high) - from;
    return { topic, partition, lag: Number(lag > 0n ? lag : 0n) };
  });
}
