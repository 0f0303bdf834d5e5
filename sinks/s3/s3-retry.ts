import { setTimeout as sleep } from 'node:timers/promises';
import type { SluiceError } from '../../core/errors.ts';
import { toSinkError, type S3Target } from './s3-errors.ts';

/**
 * How long one S3 request is tried again while its failures are transient (connection refused or reset,
 * 5xx, throttling): an object store restarting, failing over or shedding load for seconds must not fail an
 * export that has uploaded gigabytes. Delays double from `baseDelayMs` up to `maxDelayMs`, with jitter so
 * parts in flight do not retry in step; past `maxElapsedMs` the request fails (still retriable, so the job
 * is requeued).
 */
export interface S3RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxElapsedMs: number;
}

/** Rides out a ~20 s outage: the SDK's own three quick attempts, then ours for 30 s. */
export const DEFAULT_S3_RETRY: S3RetryPolicy = { baseDelayMs: 250, maxDelayMs: 4_000, maxElapsedMs: 30_000 };

export async function retryS3<T>(
  request: () => Promise<T>,
  {
    target,
    policy = DEFAULT_S3_RETRY,
    signal,
    onRetry,
  }: {
    target: S3Target;
    policy?: S3RetryPolicy;
    signal?: AbortSignal;
    onRetry?: (error: SluiceError, delayMs: number) => void;
  },
): Promise<T> {
  const started = Date.now();
  let delay = policy.baseDelayMs;
  for (;;) {
    try {
      return await request();
    } catch (err) {
      const error = toSinkError(err, target);
      const wait = Math.round(delay / 2 + Math.random() * (delay / 2));
      if (!error.retriable || signal?.aborted || Date.now() - started + wait > policy.maxElapsedMs) {
        throw error;
      }
      onRetry?.(error, wait);
      // An abort ends the wait at once; the request is then not tried again.
      await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
      if (signal?.aborted) throw error;
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
