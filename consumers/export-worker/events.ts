import { redactText } from '../../core/redact.ts';
import type { ExportCompleted, ExportFailed } from '../../schemas/export-outcome.ts';
import type { Job, JobError } from '../../jobs/job.ts';
import type { PresignedUrl } from '../../sinks/s3/presign.ts';

/** The completion event of a succeeded job, with a URL minted now (the stored job keeps no URL). */
export function completedEvent(job: Job, url: PresignedUrl): ExportCompleted {
  const result = job.result!;
  return {
    version: 1,
    jobId: job.jobId,
    requestId: job.requestId,
    workspaceId: job.workspaceId,
    format: result.format,
    bucket: result.bucket,
    key: result.key,
    url: url.url,
    urlExpiresAt: url.expiresAt.toISOString(),
    rows: result.rows,
    bytes: result.bytes,
    sha256: result.sha256,
    contentType: result.contentType,
    columns: result.columns.map(({ name, type }) => ({ name, type })),
    startedAt: (job.startedAt ?? job.createdAt).toISOString(),
    finishedAt: (job.finishedAt ?? new Date()).toISOString(),
    ...(result.files
      ? { files: result.files.map(({ key, rows, bytes, sha256 }) => ({ key, rows, bytes, sha256 })) }
      : {}),
  };
}

export function failedEvent(
  ids: { jobId: string; requestId: string; workspaceId: string },
  error: JobError,
  failedAt: Date = new Date(),
): ExportFailed {
  // Picked, not spread: callers pass the whole job, whose other fields (the request, its hash) are not
  // part of the contract. A stored message may predate redaction, or come from a path that built it by
  // hand: masked once more.
  return {
    version: 1,
    jobId: ids.jobId,
    requestId: ids.requestId,
    workspaceId: ids.workspaceId,
    code: error.code,
    message: redactText(error.message),
    retriable: error.retriable,
    failedAt: failedAt.toISOString(),
  };
}
