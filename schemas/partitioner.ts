import { createHash } from 'node:crypto';
import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/** Keys up to this size are partitioned as every Kafka client does (murmur2); larger ones by sha256. */
export const MURMUR_KEY_LIMIT_BYTES = 16 * 1024;

/**
 * kafkajs's murmur2 allocates a Long per 4 key bytes and grows worse than linearly: a 300 KB key takes
 * ~20 s of CPU, a 1 MB one minutes — during which the whole process (heartbeats, leases) stands still. A
 * hostile producer's 1 MB key would do that to a worker dead-lettering it. Normal keys (workspace ids)
 * keep Kafka's standard partitioning, so they stay on the partition any other client would choose; only
 * keys no sane producer sends are hashed with sha256, still deterministically per key.
 */
export const keySafePartitioner: ICustomPartitioner = () => {
  const standard = Partitioners.DefaultPartitioner();
  return (args) => {
    const key = args.message.key;
    if (key === null || key === undefined || Buffer.byteLength(key) <= MURMUR_KEY_LIMIT_BYTES)
      return standard(args);
    const available = args.partitionMetadata.map((p) => p.partitionId).sort((a, b) => a - b);
    if (available.length === 0) return 0;
    const digest = createHash('sha256').update(key).digest();
    return available[digest.readUInt32BE(0) % available.length]!;
  };
};
