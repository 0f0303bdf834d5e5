import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';

export interface PartitionWork {
  topic: string;
  partition: number;
  offset: string;
  run: () => Promise<void>;
}

/**
 * Runs each record's job off kafkajs's fetch loop. kafkajs fetches again only once every partition of the
 * previous fetch has been processed, so a job awaited inside eachMessage would hold up every other
 * partition for as long as it runs. Instead its partition is paused (nothing further is fetched from it, so
 * per-partition order holds), the job runs in the background under a concurrency cap, and then the offset is
 * committed and the partition resumed. The fetch loop keeps spinning — and heartbeating — meanwhile.
 */
export class PartitionRunner {
  readonly #running = new Set<Promise<void>>();
  #slots: number;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly consumer: Consumer,
    concurrency: number,
    private readonly log: Logger,
    private readonly shutdown: AbortSignal,
    private readonly retryDelayMs = 5_000,
  ) {
    this.#slots = concurrency;
  }

  start(work: PartitionWork): void {
    const target = [{ topic: work.topic, partitions: [work.partition] }];
    this.consumer.pause(target);
    const task = (async () => {
      await this.#acquire();
      try {
        await work.run();
        // Committed only now: a crash before this point redelivers the record, and the job store makes
        // that harmless.
        await this.consumer
          .commitOffsets([
            { topic: work.topic, partition: work.partition, offset: String(BigInt(work.offset) + 1n) },
          ])
          .catch((err: unknown) => this.log.warn('kafka.commit_failed', { partition: work.partition, err }));
        this.consumer.resume(target);
      } catch (err) {
        // Shutdown, or the job store or broker unreachable: the offset stays uncommitted. Unless shutting
        // down, the record is read again after a pause — seek back to it, then resume the partition.
        this.log.error('worker.record_deferred', { partition: work.partition, offset: work.offset, err });
        if (!this.shutdown.aborted) {
          await sleep(this.retryDelayMs, undefined, { signal: this.shutdown }).then(
            () => {
              this.consumer.seek({ topic: work.topic, partition: work.partition, offset: work.offset });
              this.consumer.resume(target);
            },
            () => {},
          );
        }
      } finally {
        this.#release();
      }
    })();
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task));
  }

  /** Resolves when every started job has settled. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #acquire(): Promise<void> {
    if (this.#slots > 0) {
      this.#slots--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#slots++;
  }
}
