import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceRegistry } from '../../dialects/source-registry.ts';
import type { PlanningFacts } from '../../planning/export-plan.ts';
import type { S3RetryPolicy } from '../../sinks/s3/s3-retry.ts';

/** What the worker gives every job: sources, the bucket, and what planning resolves against. */
export interface JobRuntime {
  sources: SourceRegistry;
  /** `retry`: how long a failing S3 request is retried (default sinks/s3/s3-retry.ts, ~30 s). */
  s3: { client: S3Client; bucket: string; queueSize?: number; retry?: S3RetryPolicy };
  batchRows?: number;
  /** What requests are planned against: the catalog, row policies, and the sources' grants and tables. */
  planning: PlanningFacts;
}
