import type { EachBatchPayload } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { intakeHandler } from '../../consumers/export-worker/intake.ts';
import { silentLogger } from '../../core/logger.ts';

/** Records what the handler asks of kafkajs; the handler's own logic is what is under test. */
function fakeKafka(offsets: string[]) {
  const calls: string[] = [];
  const consumer = {
    seek: (s: { partition: number; offset: string }) => void calls.push(`seek ${s.partition}@${s.offset}`),
    commitOffsets: async (o: { partition: number; offset: string }[]) =>
      void calls.push(`commit ${o[0]!.partition}@${o[0]!.offset}`),
  };
  const payload = {
    batch: {
      topic: 't',
      partition: 2,
      messages: offsets.map((offset) => ({ offset, key: null, value: Buffer.from(offset) })),
    },
    resolveOffset: (o: string) => void calls.push(`resolve ${o}`),
    heartbeat: async () => {},
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { calls, consumer, payload };
}

describe('intakeHandler', () => {
  it('admits a batch in order and commits past its last record once', async () => {
    const { calls, consumer, payload } = fakeKafka(['7', '8', '9']);
    const seen: string[] = [];
    const handle = intakeHandler({
      consumer,
      admit: async (r) => void seen.push(r.offset),
      log: silentLogger,
      shutdown: new AbortController().signal,
    });
    await handle(payload);
    expect(seen).toEqual(['7', '8', '9']);
    expect(calls).toEqual(['resolve 7', 'resolve 8', 'resolve 9', 'commit 2@10']);
  });

  it('on a failure commits what was admitted, then seeks back to the failed record after a pause', async () => {
    const { calls, consumer, payload } = fakeKafka(['7', '8', '9']);
    const handle = intakeHandler({
      consumer,
      admit: async (r) => {
        if (r.offset === '8') throw new Error('job store unreachable');
      },
      log: silentLogger,
      shutdown: new AbortController().signal,
      retryDelayMs: 10,
    });
    await handle(payload);
    expect(calls).toEqual(['resolve 7', 'commit 2@8', 'seek 2@8']);
  });

  it('when shutting down during the pause neither seeks nor admits further', async () => {
    const { calls, consumer, payload } = fakeKafka(['7', '8']);
    const shutdown = new AbortController();
    const handle = intakeHandler({
      consumer,
      admit: async () => {
        shutdown.abort();
        throw new Error('interrupted');
      },
      log: silentLogger,
      shutdown: shutdown.signal,
      retryDelayMs: 10_000,
    });
    await handle(payload);
    expect(calls).toEqual([]);
  });
});
