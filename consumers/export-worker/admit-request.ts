import { jobIdFor, requestHash } from '../../jobs/job-id.ts';
import type { NewJob } from '../../jobs/job-store.ts';
import { decodeRequestValue } from './decode-request.ts';
import { parseTraceparent } from '../../observability/trace-context.ts';
import { failedEvent } from './events.ts';
import { deadLetter, finishFailed, type InboundRecord, type OutcomeDeps } from './outcomes.ts';

export interface AdmitOptions {
  /** A request whose record is older than this, and that no worker has started, is answered REQUEST_EXPIRED. */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * One request record from Kafka, turned into a queued job. Resolving means the record is done with (its offset
 * may be committed): the job is durably queued for the scheduler, or was already finished and answered, or
 * it failed validation and was answered, or the bytes went to the dead-letter topic. It rejects only when the
 * job store or broker is unreachable, so the record is read again rather than lost. Running the job is the
 * scheduler's business, which is what lets it be fair across workspaces whatever partition a request took.
 */
export async function admitRequest(
  deps: OutcomeDeps,
  record: InboundRecord,
  group: string,
  onAdmitted: () => void,
  { maxAgeMs, now = Date.now }: AdmitOptions = {},
): Promise<void> {
  const decoded = await decodeRequestValue(record.value, deps.publisher.codec);
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
    ...(record.traceparent ? { traceparent: record.traceparent } : {}),
  };
  const trace = parseTraceparent(record.traceparent);
  const log = deps.log.child({
    jobId: job.jobId,
    workspaceId,
    requestId,
    ...(trace ? { traceId: trace.traceId } : {}),
  });

  let admitted: Awaited<ReturnType<typeof deps.store.admit>>;
  try {
    admitted = await deps.store.admit(job, group);
  } catch (err) {
    // A value PostgreSQL refuses for what it is (SQLSTATE class 22 data exception, 54 program limit) is
    // refused on every delivery: dead-lettered, never retried forever. Anything else (the store is
    // unreachable) rejects, and the record is read again.
    if (!isDeterministicDataError(err)) throw err;
    await deadLetter(
      deps,
      record,
      'REQUEST_MALFORMED',
      `the job store refused the request: ${(err as Error).message}`,
    );
    return;
  }
  switch (admitted.kind) {
    case 'conflict': {
      const message = `requestId ${JSON.stringify(requestId)} was already used in workspace ${workspaceId} for a different request (job ${job.jobId})`;
      await deadLetter(deps, record, 'REQUEST_CONFLICT', message);
      // The producer is told too, on the topic it reads: the id is taken, by a request that is not its.
      // The existing job is left alone (its own outcome is its requester's).
      await deps.publisher.failed(
        failedEvent(
          { jobId: job.jobId, requestId, workspaceId },
          { code: 'REQUEST_CONFLICT', message, retriable: false },
        ),
      );
      return;
    }
    case 'finished':
      // A redelivery of a finished job sends nothing itself: the worker that finished it is sending its outcome
      // now (it holds the emission lease), or died first, and then the outcome sweep sends it once its grace
      // lapses. Sending here too raced the finishing worker and gave the requester two completion events.
      log.info('request.redelivered', {
        status: admitted.job.status,
        outcomeSent: admitted.job.eventEmittedAt !== undefined && admitted.job.eventEmittedAt !== null,
      });
      return;
    case 'admitted': {
      if (decoded.kind === 'invalid') {
        log.warn('request.invalid', { message: decoded.message });
        await finishFailed(deps, admitted.job, undefined, {
          code: 'REQUEST_INVALID',
          message: decoded.message,
          retriable: false,
        });
        return;
      }
      const ageMs = record.timestamp === undefined ? 0 : now() - Number(record.timestamp);
      // Only a job nobody has started: one running, or run before and handed back, was admitted in time and
      // this is a redelivery of its record.
      if (
        maxAgeMs !== undefined &&
        ageMs > maxAgeMs &&
        admitted.job.status === 'queued' &&
        admitted.job.attempts === 0
      ) {
        log.warn('request.expired', { ageMs, maxAgeMs });
        await finishFailed(deps, admitted.job, undefined, {
          code: 'REQUEST_EXPIRED',
          message: `the request waited ${Math.round(ageMs / 1000)} s in the topic, longer than the ${Math.round(maxAgeMs / 1000)} s after which workers no longer run requests (SLUICE_REQUEST_MAX_AGE_MS); send it again with a new requestId to run it`,
          retriable: false,
        });
        return;
      }
      log.info('request.admitted', { status: admitted.job.status });
      onAdmitted();
    }
  }
}

function isDeterministicDataError(err: unknown): boolean {
  const sqlstate = (err as { code?: unknown } | null)?.code;
  return typeof sqlstate === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(sqlstate);
}
