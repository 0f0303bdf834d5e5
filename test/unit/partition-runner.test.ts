import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { PartitionRunner } from '../../consumers/export-worker/partition-runner.ts';

/** Records what the runner asks of kafkajs; the runner's own logic is what is under test. */
function fakeConsumer() {
  const calls: string[] = [];
  const consumer = {
    pause: (t: { partitions: number[] }[]) => calls.push(`pause ${t[0]!.partitions[0]}`),
    resume: (t: { partitions: number[] }[]) => calls.push(`resume ${t[0]!.partitions[0]}`),
    seek: (s: { partition: number; offset: string }) => calls.push(`seek ${s.partition}@${s.offset}`),
    commitOffsets: async (o: { partition: number; offset: string }[]) => {
      calls.push(`commit ${o[0]!.partition}@${o[0]!.offset}`);
    },
  };
  return { calls, consumer: consumer as unknown as Consumer };
}

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('PartitionRunner', () => {
  it('pauses the partition while its job runs, then commits the next offset and resumes', async () => {
    const { calls, consumer } = fakeConsumer();
    const runner = new PartitionRunner(consumer, 2, silentLogger, new AbortController().signal);
    const job = deferred();
    runner.start({ topic: 't', partition: 3, offset: '41', run: () => job.promise });
    expect(calls).toEqual(['pause 3']);
    job.resolve();
    await runner.drain();
    expect(calls).toEqual(['pause 3', 'commit 3@42', 'resume 3']);
  });

  it('runs at most `concurrency` jobs at once', async () => {
    const { consumer } = fakeConsumer();
    const runner = new PartitionRunner(consumer, 2, silentLogger, new AbortController().signal);
    let running = 0;
    let peak = 0;
    const jobs = [0, 1, 2, 3, 4].map(() => deferred());
    jobs.forEach((j, i) =>
      runner.start({
        topic: 't',
        partition: i,
        offset: '0',
        run: async () => {
          peak = Math.max(peak, ++running);
          await j.promise;
          running--;
        },
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(running).toBe(2);
    jobs.forEach((j) => j.resolve());
    await runner.drain();
    expect(peak).toBe(2);
  });

  it('reads a failed record again: no commit, seek back to it after the delay, resume', async () => {
    const { calls, consumer } = fakeConsumer();
    const runner = new PartitionRunner(consumer, 1, silentLogger, new AbortController().signal, 20);
    runner.start({
      topic: 't',
      partition: 0,
      offset: '7',
      run: async () => Promise.reject(new Error('store down')),
    });
    await runner.drain();
    expect(calls).toEqual(['pause 0', 'seek 0@7', 'resume 0']);
  });

  it('leaves a failed record for redelivery when shutting down', async () => {
    const { calls, consumer } = fakeConsumer();
    const shutdown = new AbortController();
    shutdown.abort();
    const runner = new PartitionRunner(consumer, 1, silentLogger, shutdown.signal, 20);
    runner.start({
      topic: 't',
      partition: 0,
      offset: '7',
      run: async () => Promise.reject(new Error('stopping')),
    });
    await runner.drain();
    expect(calls).toEqual(['pause 0']);
  });
});
