import type { Admin } from 'kafkajs';
import { Topics } from '../../schemas/topics.ts';

/**
 * Creates the contract's topics when they are missing (a no-op where operators provisioned them). The
 * request topic's partition count bounds how many workers share the load.
 */
export async function ensureTopics(admin: Admin, partitions: number, replicationFactor = -1): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = Object.values(Topics).filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic,
      numPartitions: topic === Topics.requests ? partitions : Math.max(1, Math.min(partitions, 3)),
      replicationFactor,
    })),
  });
}
