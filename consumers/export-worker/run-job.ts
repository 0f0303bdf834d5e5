import type { Job, JobResult } from '../../jobs/job.ts';
import { planExport } from '../../planning/plan-export.ts';
import type { ProgressListener } from '../../pipeline/progress.ts';
import { runUnits } from '../../pipeline/run-units.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { MiB } from '../../sinks/s3/part-size.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import type { JobRuntime } from './job-runtime.ts';
import { objectKeyFor, splitFileKeyFor } from './object-key.ts';
import { unitRun } from './unit-run.ts';
import { estimatePlanRows } from './expected-rows.ts';

/**
 * Everything between a claimed job and its stored object: the request planned again (the same checks as
 * the API's, against the grants, catalog and policies in force now), then its units run in the plan's
 * layout. Throws SluiceError with the reason on failure. `onExpectedRows` hears the source's row estimate
 * once, if it has one in time (expected-rows.ts); the export does not wait for it.
 */
export async function runJob(
  rt: JobRuntime,
  job: Job,
  request: ExportRequested,
  signal: AbortSignal,
  onProgress: ProgressListener,
  onExpectedRows?: (rows: number) => void,
): Promise<JobResult> {
  const plan = await planExport(request, rt.planning);
  signal.throwIfAborted();
  const { source } = rt.sources.get(plan.source);
  if (onExpectedRows) {
    void estimatePlanRows(plan, source).then((rows) => {
      if (rows !== undefined) onExpectedRows(rows);
    });
  }
  const sink = createS3Sink({
    client: rt.s3.client,
    bucket: rt.s3.bucket,
    ...(plan.partSizeMiB ? { partSize: plan.partSizeMiB * MiB } : {}),
    queueSize: rt.s3.queueSize ?? 4,
  });
  if (plan.layout === 'document') {
    // Loaded on the first report job: the renderers (Vega, pdfkit, resvg, pptxgenjs, fonts) are most of an
    // idle worker's memory, and a worker that only exports rows never needs them.
    const { runReportDocument } = await import('./run-report-document.ts');
    return runReportDocument({
      plan,
      source,
      sink,
      bucket: rt.s3.bucket,
      keyFor: (extension) => objectKeyFor(job.workspaceId, job.jobId, extension),
      fileKeyFor: (name) => splitFileKeyFor(job.workspaceId, job.jobId, name),
      signal,
      onProgress,
    });
  }
  const result = await runUnits(
    {
      units: plan.units.map((unit) => unitRun(unit, source)),
      layout: plan.layout,
      format: plan.format,
      compression: plan.compression,
      encoderOptions: plan.encoderOptions,
      ...(plan.split ? { split: plan.split } : {}),
      sink,
      keyFor: (extension) => objectKeyFor(job.workspaceId, job.jobId, extension),
      fileKeyFor: (name) => splitFileKeyFor(job.workspaceId, job.jobId, name),
      comment: `sluice ${job.jobId} for ${request.requestedBy} in ${job.workspaceId}, source ${request.source}`,
      ...(plan.manifest ? { manifest: plan.manifest } : {}),
    },
    { signal, onProgress, batchRows: rt.batchRows },
  );
  return {
    format: plan.format,
    bucket: rt.s3.bucket,
    key: result.object.key,
    rows: result.rows,
    bytes: result.object.bytes,
    sha256: result.object.sha256,
    contentType: result.object.contentType,
    columns: result.columns.map(({ name, type }) => ({ name, type })),
    ...(result.files ? { files: result.files } : {}),
  };
}
