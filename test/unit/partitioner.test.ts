import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { keySafePartitioner, MURMUR_KEY_LIMIT_BYTES } from '../../schemas/partitioner.ts';

const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({
  partitionErrorCode: 0,
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
}));
const args = (key: Buffer | string | null): PartitionerArgs => ({
  topic: 't',
  partitionMetadata,
  message: { key, value: 'v' },
});

describe('keySafePartitioner', () => {
  it('partitions ordinary keys exactly as kafkajs (and Java) do', () => {
    const ours = keySafePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const key of ['acme', 'ws-1', 'x'.repeat(MURMUR_KEY_LIMIT_BYTES), Buffer.from([0, 255, 7])])
      expect(ours(args(key))).toBe(theirs(args(key)));
  });

  it('places a 1 MB key on a real partition, the same one every time', () => {
    const partition = keySafePartitioner();
    const key = Buffer.alloc(1024 * 1024, 0x6b);
    const first = partition(args(key));
    expect(partitionMetadata.map((p) => p.partitionId)).toContain(first);
    expect(partition(args(Buffer.from(key)))).toBe(first);
  });
});
