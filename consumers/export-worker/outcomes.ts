import type { ErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Job, JobError } from '../../jobs/job.ts';
import type { JobStore } from '../../jobs/job-store.ts';
import { DEFAULT_URL_TTL_SECONDS } from '../../schemas/export-requested.ts';
import type { PresignedUrl } from '../../sinks/s3/presign.ts';
import { completedEvent, failedEvent } from './events.ts';
import type { OutcomePublisher } from './publisher.ts';

/** What answering for a job needs: the store that says how it ended, and the topics to say it on. */
export interface OutcomeDeps {
  store: JobStore;
  publisher: OutcomePublisher;
  presign: (bucket: string, key: string, ttlSeconds: number) => Promise<PresignedUrl>;
  workerId: string;
  log: Logger;
}

export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The record's `traceparent` header, when the producer sent one. */
  traceparent?: string;
  /** The record's timestamp (epoch ms, as kafkajs gives it): when it was produced, or appended. */
  timestamp?: string;
}

/** Fails a job (unless someone else finished it first) and sends its one failure event. */
export async function finishFailed(
  deps: OutcomeDeps,
  job: Job,
  owner: string | undefined,
  error: JobError,
): Promise<void> {
  const failed = await deps.store.fail(job.jobId, owner, error, deps.workerId);
  if (failed) await emitOrHandBack(deps, failed);
}

/**
 * emitOutcome, and when the send fails (the broker down longer than kafkajs's own ~10 s of retries) the job's
 * emission lease is given up at once, so the outcome sweep of any worker sends it as soon as the broker is
 * back, instead of after the whole lease. Rejects with the send's error.
 */
export async function emitOrHandBack(deps: OutcomeDeps, job: Job): Promise<void> {
  try {
    await emitOutcome(deps, job);
  } catch (err) {
    await deps.store.releaseEmission(job.jobId, deps.workerId).catch((releaseErr: unknown) =>
      // The store is unreachable too: the lease lapses by itself.
      deps.log.warn('job.emission_release_failed', { jobId: job.jobId, err: releaseErr }),
    );
    throw err;
  }
}

/** The completion or failure event of a finished job; marked sent only once the broker has it. */
export async function emitOutcome(deps: OutcomeDeps, job: Job): Promise<void> {
  if (job.status === 'succeeded' && job.result) {
    const ttl = (job.request as { urlTtlSeconds?: number }).urlTtlSeconds ?? DEFAULT_URL_TTL_SECONDS;
    const url = await deps.presign(job.result.bucket, job.result.key, ttl);
    await deps.publisher.completed(completedEvent(job, url));
  } else if (job.status === 'failed' && job.error) {
    await deps.publisher.failed(failedEvent(job, job.error, job.finishedAt ?? new Date()));
  } else {
    return; // cancelled: the canceller already answered
  }
  await deps.store.markEmitted(job.jobId);
}

/** Sets a record nobody can answer aside, byte for byte, with the reason in its headers. */
export async function deadLetter(
  deps: OutcomeDeps,
  record: InboundRecord,
  code: ErrorCode,
  reason: string,
): Promise<void> {
  deps.log.warn('request.dead_lettered', {
    code,
    reason,
    partition: record.partition,
    offset: record.offset,
  });
  await deps.publisher.deadLetter({
    key: record.key,
    value: record.value,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    code,
    reason,
  });
}
