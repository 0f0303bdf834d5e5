import type { Query, Source } from '../../dialects/source.ts';
import type { JobResult } from '../../jobs/job.ts';
import { runFormatExport } from '../../pipeline/run-format-export.ts';
import { objectKeyFor, splitFileKeyFor } from './object-key.ts';
import type { JobIo } from './job-runtime.ts';

/**
 * One query through the format's pipeline into the job's object (or split files and a manifest). `keys`
 * places the output elsewhere in the job's folder, for exports made of several files.
 */
export async function exportQuery(
  { rt, job, request, sink, signal, onProgress }: JobIo,
  source: Source,
  query: Query,
  keys: { keyFor?: (extension: string) => string; splitPrefix?: string } = {},
): Promise<JobResult> {
  const options = request.options ?? {};
  const result = await runFormatExport(
    {
      source,
      query,
      format: request.format,
      compression: options.compression,
      encoderOptions: {
        ...(options.header !== undefined ? { header: options.header } : {}),
        ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
        ...(options.rowGroupRows !== undefined ? { rowGroupRows: options.rowGroupRows } : {}),
      },
      sink,
      keyFor: keys.keyFor ?? ((extension) => objectKeyFor(job.workspaceId, job.jobId, extension)),
      fileKeyFor: (name) => splitFileKeyFor(job.workspaceId, job.jobId, `${keys.splitPrefix ?? ''}${name}`),
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
