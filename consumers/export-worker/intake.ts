import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';
import type { InboundRecord } from './outcomes.ts';

/**
 * A kafkajs eachBatch handler that admits a partition's records one by one, in order, and commits up to the
 * last one admitted. Admission is a couple of job-store round trips, so records are handled inline: a batch
 * of fifty requests is admitted in well under a second. When admitting fails (job store or broker
 * unreachable) the records from the failed one on stay uncommitted; after a pause the partition is sought
 * back to it, so it is read again, never skipped.
 */
export function intakeHandler({
  consumer,
  admit,
  log,
  shutdown,
  retryDelayMs = 5_000,
}: {
  consumer: Pick<Consumer, 'commitOffsets' | 'seek'>;
  admit: (record: InboundRecord) => Promise<void>;
  log: Logger;
  shutdown: AbortSignal;
  retryDelayMs?: number;
}): (payload: EachBatchPayload) => Promise<void> {
  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    const { topic, partition } = batch;
    let admitted: string | undefined;
    const commit = async () => {
      if (admitted === undefined) return;
      await consumer
        .commitOffsets([{ topic, partition, offset: String(BigInt(admitted) + 1n) }])
        .catch((err: unknown) => log.warn('kafka.commit_failed', { partition, err }));
    };
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || shutdown.aborted) break;
      try {
        const traceparent = message.headers?.traceparent?.toString();
        await admit({
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          timestamp: message.timestamp,
          ...(traceparent ? { traceparent } : {}),
        });
      } catch (err) {
        log.error('worker.record_deferred', { partition, offset: message.offset, err });
        await commit();
        if (!shutdown.aborted) {
          await sleep(retryDelayMs, undefined, { signal: shutdown }).then(
            () => consumer.seek({ topic, partition, offset: message.offset }),
            () => {},
          );
        }
        return;
      }
      admitted = message.offset;
      resolveOffset(message.offset);
      await heartbeat();
    }
    await commit();
  };
}
