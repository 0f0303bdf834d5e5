import { SluiceError } from '../../core/errors.ts';
import type { Job } from '../../jobs/job.ts';
import { childContext, parseTraceparent, traceFields } from '../../observability/trace-context.ts';
import { noopJobObserver, type JobObserver } from '../../observability/worker-metrics.ts';
import { ExportRequestedSchema } from '../../schemas/export-requested.ts';
import { abortUpload } from '../../sinks/s3/orphan-uploads.ts';
import type { UploadTracker } from '../../sinks/sink.ts';
import { toJobError } from './job-error.ts';
import { emitOrHandBack, finishFailed, type OutcomeDeps } from './outcomes.ts';
import type { JobRuntime } from './job-runtime.ts';
import { runJob } from './run-job.ts';

export interface RunnerDeps extends OutcomeDeps {
  runtime: JobRuntime;
  /** A claimed job's lease; renewed every third of it while the export runs. */
  leaseMs: number;
  /** Runs of a job whose failures are marked retriable before it fails for good. */
  maxAttempts: number;
  /** Metrics: told about each run's progress and outcome. */
  observer?: JobObserver;
}

/**
 * Runs a job this worker claimed, to the end: succeeded (object stored, event sent), failed (event sent),
 * requeued after a retriable failure, stopped because it was cancelled or its lease lost, or — when the worker
 * shuts down — handed back to the queue at once. It rejects only when the job store is unreachable; the
 * lapsed lease then lets another worker take the job over.
 */
export async function runClaimedJob(deps: RunnerDeps, job: Job, shutdown: AbortSignal): Promise<void> {
  // Every line about this job names it, its workspace, and the trace of the call that asked for it.
  const trace = childContext(parseTraceparent(job.traceparent ?? undefined));
  const log = deps.log.child({
    jobId: job.jobId,
    workspaceId: job.workspaceId,
    requestId: job.requestId,
    ...traceFields(trace),
  });
  const parsed = ExportRequestedSchema.safeParse(job.request);
  if (!parsed.success) {
    await finishFailed(deps, job, deps.workerId, {
      code: 'REQUEST_INVALID',
      message: parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; '),
      retriable: false,
    });
    return;
  }
  const request = parsed.data;
  await abortPreviousUploads(deps, job, log);
  const tracker: UploadTracker = {
    opened: (key, uploadId) => deps.store.uploadOpened(job.jobId, { key, uploadId }),
    closed: (_key, uploadId) => deps.store.uploadClosed(job.jobId, uploadId),
  };
  const run = (deps.observer ?? noopJobObserver).started({
    workspaceId: job.workspaceId,
    format: job.format,
  });

  const controller = new AbortController();
  const onShutdown = () => controller.abort(shutdown.reason);
  shutdown.addEventListener('abort', onShutdown, { once: true });
  let progress: { rows: number; bytes: number; expectedRows?: number } = { rows: 0, bytes: 0 };
  let leaseProblem: 'cancelled' | 'lost' | undefined;
  // The lease is renewed (and progress recorded) on a timer; the same round trip is how a cancellation
  // reaches the running export, so it stops within a third of the lease.
  const renewer = setInterval(
    () => {
      deps.store.renew(job.jobId, deps.workerId, deps.leaseMs, progress).then(
        (state) => {
          if (state === 'held' || leaseProblem) return;
          leaseProblem = state;
          log.info('export.stopping', { reason: state });
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
    const result = await runJob(
      deps.runtime,
      job,
      request,
      controller.signal,
      (p) => {
        progress = { ...progress, rows: p.rows, bytes: p.bytes };
        run.progress(p);
      },
      // Recorded with the next lease renewal, like the rows so far.
      (expectedRows) => (progress = { ...progress, expectedRows }),
      tracker,
    );
    // The export is over: a renewal from here on would find the job succeeded, call the lease lost and
    // turn a slow outcome send into a stopped export.
    clearInterval(renewer);
    const done = await deps.store.succeed(job.jobId, deps.workerId, result);
    if (!done) {
      // Cancelled or taken over while the upload finished: whoever owns the job now decides its outcome.
      log.warn('export.result_discarded', { key: result.key });
      run.finished('stopped');
      return;
    }
    log.info('export.completed', { rows: result.rows, bytes: result.bytes, key: result.key });
    run.finished('succeeded');
    try {
      await emitOrHandBack(deps, done);
    } catch (err) {
      // The job is done and stored (not to be retried): the outcome sweep sends its event.
      log.warn('job.outcome_unsent', { err });
    }
  } catch (err) {
    if (shutdown.aborted) {
      // Not the job's fault: back to the queue for whichever worker is next, without waiting for the lease.
      await deps.store.release(job.jobId, deps.workerId);
      log.info('export.released', { reason: 'shutdown' });
      run.finished('released');
      return;
    }
    if (leaseProblem) {
      log.warn('export.stopped', { reason: leaseProblem });
      run.finished('stopped');
      return;
    }
    const error = toJobError(err);
    if (error.retriable && job.attempts < deps.maxAttempts) {
      const delayMs = Math.min(30_000, 1_000 * 2 ** job.attempts);
      log.warn('export.retrying', {
        attempt: job.attempts,
        delayMs,
        code: error.code,
        message: error.message,
      });
      run.finished('retrying');
      await deps.store.requeue(job.jobId, deps.workerId, delayMs);
      return;
    }
    log.warn('export.failed', { ...error, attempt: job.attempts });
    run.finished('failed');
    await finishFailed(deps, job, deps.workerId, error);
  } finally {
    clearInterval(renewer);
    shutdown.removeEventListener('abort', onShutdown);
  }
}

/**
 * A takeover (or a retry whose abort could not reach the store) finds uploads an earlier attempt of this job
 * left open: aborted before the job runs again, so their parts do not linger. One the store cannot abort now
 * stays recorded, for the next attempt or the orphan sweep once the job is over.
 */
async function abortPreviousUploads(deps: RunnerDeps, job: Job, log: RunnerDeps['log']): Promise<void> {
  for (const upload of job.openUploads ?? []) {
    try {
      await abortUpload(deps.runtime.s3.client, deps.runtime.s3.bucket, upload);
      await deps.store.uploadClosed(job.jobId, upload.uploadId);
      log.info('export.previous_upload_aborted', { key: upload.key, uploadId: upload.uploadId });
    } catch (err) {
      log.warn('export.previous_upload_abort_failed', { key: upload.key, uploadId: upload.uploadId, err });
    }
  }
}
