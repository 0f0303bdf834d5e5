import type { S3Client } from '@aws-sdk/client-s3';
import { SluiceError } from '../../core/errors.ts';
import type { SourceRegistry } from '../../dialects/source-registry.ts';
import type { Job, JobResult } from '../../jobs/job.ts';
import type { ProgressListener } from '../../pipeline/progress.ts';
import { runFormatExport } from '../../pipeline/run-format-export.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { MiB } from '../../sinks/s3/part-size.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import { objectKeyFor, splitFileKeyFor } from './object-key.ts';

export interface JobRuntime {
  sources: SourceRegistry;
  s3: { client: S3Client; bucket: string; queueSize?: number };
  batchRows?: number;
}

/** Everything between a claimed job and its stored object. Throws SluiceError with the reason on failure. */
export async function runJob(
  rt: JobRuntime,
  job: Job,
  request: ExportRequested,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<JobResult> {
  const options = request.options ?? {};
  const { config, source } = rt.sources.get(request.source); // SOURCE_UNKNOWN
  if (request.query.kind === 'sql' && !config.allowRawSql) {
    throw new SluiceError(
      'RAW_SQL_NOT_ALLOWED',
      `source ${JSON.stringify(request.source)} does not accept raw SQL; ask for a table, or have its owner set ` +
        `SLUICE_SOURCE_${request.source.toUpperCase()}_RAW_SQL=true`,
    );
  }
  const sink = createS3Sink({
    client: rt.s3.client,
    bucket: rt.s3.bucket,
    partSize: (options.partSizeMiB ?? 8) * MiB,
    queueSize: rt.s3.queueSize ?? 4,
  });
  const result = await runFormatExport(
    {
      source,
      query: request.query,
      format: request.format,
      compression: options.compression,
      encoderOptions: {
        ...(options.header !== undefined ? { header: options.header } : {}),
        ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
        ...(options.rowGroupRows !== undefined ? { rowGroupRows: options.rowGroupRows } : {}),
      },
      sink,
      keyFor: (extension) => objectKeyFor(job.workspaceId, job.jobId, extension),
      fileKeyFor: (name) => splitFileKeyFor(job.workspaceId, job.jobId, name),
      split: {
        ...(options.maxRowsPerFile !== undefined ? { maxRowsPerFile: options.maxRowsPerFile } : {}),
        ...(options.maxFileSizeMiB !== undefined ? { maxFileSizeMiB: options.maxFileSizeMiB } : {}),
        ...(options.parallel !== undefined ? { parallel: options.parallel } : {}),
      },
      comment: `sluice ${job.jobId} for ${request.requestedBy} in ${job.workspaceId}, source ${request.source}`,
    },
    { signal, onProgress, batchRows: rt.batchRows },
  );
  return {
    format: request.format,
    bucket: rt.s3.bucket,
    key: result.object.key,
    rows: result.rows,
    bytes: result.object.bytes,
    sha256: result.object.sha256,
    contentType: result.object.contentType,
    columns: result.columns.map(({ name, type }) => ({ name, type })),
    ...(result.files
      ? { files: result.files.map(({ key, rows, bytes, sha256 }) => ({ key, rows, bytes, sha256 })) }
      : {}),
  };
}
