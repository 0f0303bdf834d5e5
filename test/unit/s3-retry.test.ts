import { describe, expect, it } from 'vitest';
import { retryS3 } from '../../sinks/s3/s3-retry.ts';

const target = { bucket: 'b', key: 'k' };
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
const denied = () =>
  Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
const policy = { baseDelayMs: 1, maxDelayMs: 4, maxElapsedMs: 500 };

describe('retryS3', () => {
  it('tries a transient failure again until the store answers', async () => {
    let calls = 0;
    const result = await retryS3(
      async () => {
        calls += 1;
        if (calls < 4) throw refused();
        return 'ok';
      },
      { target, policy },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
  });

  it('does not retry what no retry fixes', async () => {
    let calls = 0;
    await expect(
      retryS3(
        async () => {
          calls += 1;
          throw denied();
        },
        { target, policy },
      ),
    ).rejects.toMatchObject({ code: 'SINK_WRITE_FAILED', retriable: false });
    expect(calls).toBe(1);
  });

  it('gives up after its time, with a retriable coded error', async () => {
    let calls = 0;
    await expect(
      retryS3(
        async () => {
          calls += 1;
          throw refused();
        },
        { target, policy: { ...policy, maxElapsedMs: 30 } },
      ),
    ).rejects.toMatchObject({
      code: 'SINK_WRITE_FAILED',
      retriable: true,
      details: { errno: 'ECONNREFUSED' },
    });
    expect(calls).toBeGreaterThan(1);
  });

  it('stops waiting when aborted', async () => {
    const abort = new AbortController();
    let calls = 0;
    const done = retryS3(
      async () => {
        calls += 1;
        if (calls === 1) setTimeout(() => abort.abort(), 5);
        throw refused();
      },
      {
        target,
        policy: { baseDelayMs: 10_000, maxDelayMs: 10_000, maxElapsedMs: 60_000 },
        signal: abort.signal,
      },
    );
    await expect(done).rejects.toMatchObject({ code: 'SINK_WRITE_FAILED' });
    expect(calls).toBe(1);
  });
});
