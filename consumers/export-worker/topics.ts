import type { Admin } from 'kafkajs';
import { Topics } from '../../schemas/topics.ts';

/**
 * Creates the contract's topics when they are missing (a no-op where operators provisioned them). The
 * request topic's partition count bounds how many workers share the load. `requestTopic` is where this
 * deployment's requests are (SLUICE_REQUEST_TOPIC), the contract's by default.
 */
export async function ensureTopics(
  admin: Admin,
  partitions: number,
  replicationFactor = -1,
  requestTopic: string = Topics.requests,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set([...Object.values(Topics), requestTopic])].filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions:
        topic === requestTopic || topic === Topics.requests
          ? partitions
          : Math.max(1, Math.min(partitions, 3)),
      replicationFactor,
    })),
  });
}
