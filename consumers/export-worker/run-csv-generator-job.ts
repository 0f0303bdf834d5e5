import { pipeline } from 'node:stream/promises';
import { SluiceError } from '../../core/errors.ts';
import type { Source } from '../../dialects/source.ts';
import { generateCsv } from '../../csv-generator/generate-csv.ts';
import type { JobResult } from '../../jobs/job.ts';
import { createProgressMeter } from '../../pipeline/progress.ts';
import type { Audience } from '../../metrics/plan-for-recipient.ts';
import { streamMetricPlan } from '../../metrics/run-plan.ts';
import type { CsvGeneratorBody } from '../../schemas/csv-generator.ts';
import type { JobIo } from './job-runtime.ts';
import { objectKeyFor } from './object-key.ts';

const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * The CSV generator (seed 004) as a job: every metric request planned for the recipient, run on the
 * source, joined into one CSV streamed into one S3 object. The object is whole or absent: any failure or
 * abort destroys the writer, which aborts the multipart upload.
 */
export async function runCsvGeneratorJob(
  { rt, job, request, sink, signal, onProgress }: JobIo,
  source: Source,
  audience: Audience,
  body: CsvGeneratorBody,
): Promise<JobResult> {
  if (request.format !== 'csv') {
    throw new SluiceError('REQUEST_INVALID', `format: the CSV generator writes csv, not ${request.format}`, {
      details: { errors: [{ field: 'format', rule: 'must be csv for query.kind csv-generator' }] },
    });
  }
  const compression = request.options?.compression ?? 'none';
  if (compression !== 'none') {
    throw new SluiceError('REQUEST_INVALID', 'options.compression: the CSV generator writes plain csv', {
      details: {
        errors: [{ field: 'options.compression', rule: 'must be none for query.kind csv-generator' }],
      },
    });
  }
  signal.throwIfAborted();
  const writer = sink.createWriter(objectKeyFor(job.workspaceId, job.jobId, 'csv'), {
    contentType: CSV_CONTENT_TYPE,
  });
  // The generator writes into the meter (respecting its backpressure), which counts bytes into the upload.
  const meter = createProgressMeter(onProgress);
  const upload = pipeline(meter.bytes, writer);
  // Awaited only after generateCsv returns, but an abort (or a failing upload) rejects it while the
  // generator is still running: without a handler now, that rejection would be unhandled in between.
  upload.catch(() => {});
  const onAbort = () => meter.bytes.destroy(signal.reason as Error);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await generateCsv(body, {
      ...rt.planning,
      audience,
      runPlan: (plan) => streamMetricPlan(source, plan, { signal }),
      out: meter.bytes,
    });
    meter.countRows(result.rows);
    meter.bytes.end();
    await upload;
    const stored = await writer.stored;
    return {
      format: 'csv',
      bucket: rt.s3.bucket,
      key: stored.key,
      rows: result.rows,
      bytes: stored.bytes,
      sha256: stored.sha256,
      contentType: stored.contentType,
      columns: result.headings.map((name) => ({ name, type: 'string' })),
    };
  } catch (err) {
    meter.bytes.destroy(err as Error);
    await upload.catch(() => {});
    // Rejects only once the multipart upload is aborted: nothing half-written remains.
    await writer.stored.catch(() => {});
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
