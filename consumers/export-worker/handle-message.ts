import { setTimeout as sleep } from 'node:timers/promises';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Job, JobError } from '../../jobs/job.ts';
import { jobIdFor, requestHash } from '../../jobs/job-id.ts';
import type { JobStore, NewJob } from '../../jobs/job-store.ts';
import { DEFAULT_URL_TTL_SECONDS, type ExportRequested } from '../../schemas/export-requested.ts';
import type { PresignedUrl } from '../../sinks/s3/presign.ts';
import { decodeRequest } from './decode-request.ts';
import { completedEvent, failedEvent } from './events.ts';
import { toJobError } from './job-error.ts';
import type { OutcomePublisher } from './publisher.ts';
import { runJob, type JobRuntime } from './run-job.ts';

export interface HandlerDeps {
  store: JobStore;
  publisher: OutcomePublisher;
  runtime: JobRuntime;
  presign: (bucket: string, key: string, ttlSeconds: number) => Promise<PresignedUrl>;
  workerId: string;
  /** A claimed job's lease; renewed every third of it while the export runs. */
  leaseMs: number;
  /** Attempts for failures marked retriable before the job fails for good. */
  maxAttempts: number;
  log: Logger;
}

export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
}

/**
 * One request record, start to finish. Resolving means the record is done with (its offset may be committed):
 * a dead letter was written, or the job reached a terminal state and its one outcome event was sent. It
 * rejects only when the worker is shutting down or the job store is unreachable, so the record is delivered
 * again rather than lost.
 */
export async function handleMessage(
  deps: HandlerDeps,
  record: InboundRecord,
  shutdown: AbortSignal,
): Promise<void> {
  const decoded = decodeRequest(record.value);
  if (decoded.kind === 'malformed') {
    await deadLetter(deps, record, 'REQUEST_MALFORMED', decoded.reason);
    return;
  }
  const { workspaceId, requestId } = decoded.kind === 'request' ? decoded.request : decoded;
  const { body } = decoded;
  const job: NewJob = {
    jobId: jobIdFor(workspaceId, requestId),
    workspaceId,
    requestId,
    requestHash: requestHash(body),
    request: body,
    format: typeof body.format === 'string' ? body.format.slice(0, 32) : 'unknown',
  };
  const log = deps.log.child({ jobId: job.jobId, workspaceId, requestId });

  for (;;) {
    shutdown.throwIfAborted();
    const claim = await deps.store.claim(job, deps.workerId, deps.leaseMs);
    switch (claim.kind) {
      case 'conflict':
        await deadLetter(
          deps,
          record,
          'REQUEST_CONFLICT',
          `requestId ${JSON.stringify(requestId)} was already used in workspace ${workspaceId} for a different request (job ${job.jobId})`,
        );
        return;
      case 'finished':
        // A redelivery of a finished job: answer from the store, at most one outcome event.
        if (!claim.job.eventEmittedAt) await emitOutcome(deps, claim.job);
        log.info('request.redelivered', { status: claim.job.status });
        return;
      case 'busy':
        log.info('request.waiting_for_lease', { retryInMs: claim.retryInMs });
        await sleep(Math.min(claim.retryInMs, 5_000), undefined, { signal: shutdown });
        continue;
      case 'claimed':
        break;
    }

    if (decoded.kind === 'invalid') {
      await finishFailed(deps, claim.job, {
        code: 'REQUEST_INVALID',
        message: decoded.message,
        retriable: false,
      });
      return;
    }
    const outcome = await execute(deps, claim.job, decoded.request, shutdown, log);
    if (outcome === 'retry') continue;
    return;
  }
}

async function execute(
  deps: HandlerDeps,
  job: Job,
  request: ExportRequested,
  shutdown: AbortSignal,
  log: Logger,
): Promise<'done' | 'retry'> {
  const controller = new AbortController();
  const onShutdown = () => controller.abort(shutdown.reason);
  shutdown.addEventListener('abort', onShutdown, { once: true });
  let progress = { rows: 0, bytes: 0 };
  let leaseProblem: 'cancelled' | 'lost' | undefined;
  const renewer = setInterval(
    () => {
      deps.store.renew(job.jobId, deps.workerId, deps.leaseMs, progress).then(
        (state) => {
          if (state === 'held') return;
          leaseProblem = state;
          controller.abort(
            new SluiceError(
              'QUERY_CANCELLED',
              `job ${state === 'cancelled' ? 'was cancelled' : 'lease was lost'}`,
            ),
          );
        },
        (err: unknown) => log.warn('job.lease_renew_failed', { err }),
      );
    },
    Math.max(250, Math.floor(deps.leaseMs / 3)),
  );

  log.info('export.started', { attempt: job.attempts, format: request.format, source: request.source });
  try {
    const result = await runJob(deps.runtime, job, request, controller.signal, (p) => {
      progress = { rows: p.rows, bytes: p.bytes };
    });
    const done = await deps.store.succeed(job.jobId, deps.workerId, result);
    if (!done) {
      // Cancelled or taken over while the upload finished: whoever owns the job now decides its outcome.
      log.warn('export.result_discarded', { key: result.key });
      return 'done';
    }
    log.info('export.completed', { rows: result.rows, bytes: result.bytes, key: result.key });
    await emitOutcome(deps, done);
    return 'done';
  } catch (err) {
    if (shutdown.aborted) throw err; // not our job's fault: leave the record for redelivery
    if (leaseProblem) {
      log.warn('export.stopped', { reason: leaseProblem });
      return 'done';
    }
    const error = toJobError(err);
    if (error.retriable && job.attempts < deps.maxAttempts) {
      log.warn('export.retrying', { attempt: job.attempts, code: error.code, message: error.message });
      await sleep(Math.min(30_000, 1_000 * 2 ** job.attempts), undefined, { signal: shutdown });
      return 'retry';
    }
    log.warn('export.failed', { ...error, attempt: job.attempts });
    await finishFailed(deps, job, error);
    return 'done';
  } finally {
    clearInterval(renewer);
    shutdown.removeEventListener('abort', onShutdown);
  }
}

async function finishFailed(deps: HandlerDeps, job: Job, error: JobError): Promise<void> {
  const failed = await deps.store.fail(job.jobId, deps.workerId, error);
  if (failed) await emitOutcome(deps, failed);
}

async function emitOutcome(deps: HandlerDeps, job: Job): Promise<void> {
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

async function deadLetter(
  deps: HandlerDeps,
  record: InboundRecord,
  code: string,
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
