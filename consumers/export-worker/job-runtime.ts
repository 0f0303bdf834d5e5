import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceRegistry } from '../../dialects/source-registry.ts';
import type { Job } from '../../jobs/job.ts';
import type { PlanningContext } from '../../metrics/plan-for-recipient.ts';
import type { ProgressListener } from '../../pipeline/progress.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import type { Sink } from '../../sinks/sink.ts';

/** What the worker gives every job: sources, the bucket, and what planning resolves against. */
export interface JobRuntime {
  sources: SourceRegistry;
  s3: { client: S3Client; bucket: string; queueSize?: number };
  batchRows?: number;
  /** The catalog and the row-security policies that metric, report and CSV-generator requests resolve against. */
  planning: PlanningContext;
}

/** What one job's export needs besides its query: where it writes, and how it reports. */
export interface JobIo {
  rt: JobRuntime;
  job: Job;
  request: ExportRequested;
  sink: Sink;
  signal: AbortSignal;
  onProgress: ProgressListener;
}
