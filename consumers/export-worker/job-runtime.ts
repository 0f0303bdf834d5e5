import type { S3Client } from '@aws-sdk/client-s3';
import type { SourceRegistry } from '../../dialects/source-registry.ts';
import type { PlanningFacts } from '../../planning/export-plan.ts';

/** What the worker gives every job: sources, the bucket, and what planning resolves against. */
export interface JobRuntime {
  sources: SourceRegistry;
  s3: { client: S3Client; bucket: string; queueSize?: number };
  batchRows?: number;
  /** What requests are planned against: the catalog, row policies, and the sources' grants and tables. */
  planning: PlanningFacts;
}
