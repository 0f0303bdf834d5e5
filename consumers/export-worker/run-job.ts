import { SluiceError } from '../../core/errors.ts';
import type { Job, JobResult } from '../../jobs/job.ts';
import type { Audience } from '../../metrics/plan-for-recipient.ts';
import { planForRecipient } from '../../metrics/plan-for-recipient.ts';
import { planAsSource } from '../../metrics/plan-source.ts';
import { compileForSource } from '../../metrics/run-plan.ts';
import type { ProgressListener } from '../../pipeline/progress.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { MiB } from '../../sinks/s3/part-size.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import { exportQuery } from './export-query.ts';
import type { JobIo, JobRuntime } from './job-runtime.ts';
import { runCsvGeneratorJob } from './run-csv-generator-job.ts';
import { runReportJob } from './run-report-job.ts';

/** Everything between a claimed job and its stored object. Throws SluiceError with the reason on failure. */
export async function runJob(
  rt: JobRuntime,
  job: Job,
  request: ExportRequested,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<JobResult> {
  const { config, source } = rt.sources.get(request.source); // SOURCE_UNKNOWN
  const sink = createS3Sink({
    client: rt.s3.client,
    bucket: rt.s3.bucket,
    ...(request.options?.partSizeMiB ? { partSize: request.options.partSizeMiB * MiB } : {}),
    queueSize: rt.s3.queueSize ?? 4,
  });
  const io: JobIo = { rt, job, request, sink, signal, onProgress };
  const { query } = request;
  const sqlDialect = request.options?.sqlDialect;
  if (sqlDialect && (request.format !== 'sql' || (query.kind !== 'metric' && query.kind !== 'report'))) {
    throw new SluiceError(
      'REQUEST_INVALID',
      'options.sqlDialect applies to the sql format of metric and report requests',
      {
        details: {
          errors: [
            { field: 'options.sqlDialect', rule: 'only with format sql and query.kind metric or report' },
          ],
        },
      },
    );
  }
  switch (query.kind) {
    case 'sql':
      if (!config.allowRawSql) {
        throw new SluiceError(
          'RAW_SQL_NOT_ALLOWED',
          `source ${JSON.stringify(request.source)} does not accept raw SQL; ask for a table, or have its owner set ` +
            `SLUICE_SOURCE_${request.source.toUpperCase()}_RAW_SQL=true`,
        );
      }
      return exportQuery(io, source, query);
    case 'table':
      return exportQuery(io, source, query);
    case 'metric': {
      // Row-level security is the recipient's: whoever receives the file sees what they would see live.
      const plan = await planForRecipient(rt.planning, audienceOf(request), query.request);
      const planned = planAsSource(source, plan, sqlDialect ? { sqlDialect } : {});
      return exportQuery(io, planned, { kind: 'sql', ...compileForSource(plan, source) });
    }
    case 'report':
      return runReportJob(io, source, audienceOf(request), query);
    case 'csv-generator':
      return runCsvGeneratorJob(io, source, audienceOf(request), query.body);
  }
}

/** Whose rows: the named recipient (a delegated or scheduled export), else whoever asked. */
export function audienceOf(request: ExportRequested): Audience {
  return { workspaceId: request.workspaceId, recipient: request.recipient ?? request.requestedBy };
}
