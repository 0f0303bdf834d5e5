import type { ErrorCode } from '../core/errors.ts';
import type { Column } from '../schemas/column.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** What a succeeded job stored; the presigned URL is not kept (it expires), it is minted when needed. */
export interface JobResult {
  format: string;
  bucket: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  contentType: string;
  columns: Pick<Column, 'name' | 'type'>[];
  /** Split exports: the files; `key` (and bytes, sha256, contentType) are then the manifest's. */
  files?: JobFile[];
}

export interface JobFile {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  retriable: boolean;
}

export interface Job {
  jobId: string;
  workspaceId: string;
  requestId: string;
  requestHash: string;
  request: unknown;
  format: string;
  status: JobStatus;
  attempts: number;
  rows: number;
  bytes: number;
  /** The source's estimate of the rows this run writes, when it was cheap to know (a whole-table export). */
  expectedRows?: number | null;
  result: JobResult | null;
  error: JobError | null;
  eventEmittedAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The W3C traceparent the request arrived with, if any. */
  traceparent?: string | null;
  /** Written into the metadata of the job's objects: an object with another owner is never replaced. */
  objectOwner?: string;
  /** Multipart uploads of this job still open (an attempt that died, or failed to abort them). */
  openUploads?: OpenUpload[];
}

export interface OpenUpload {
  key: string;
  uploadId: string;
}
