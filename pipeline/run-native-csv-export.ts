import { Readable } from 'node:stream';
import { pipeIntoWriter } from '../sinks/settle-writer.ts';
import type { CsvByteStream } from '../dialects/source.ts';
import { encodeHeader } from '../encoders/csv/encode-row.ts';
import type { Sink } from '../sinks/sink.ts';
import type { CompressionStage } from './compression.ts';
import { createCsvRowTransform } from './csv-rows.ts';
import { createProgressMeter, type ProgressListener } from './progress.ts';
import type { ExportResult } from './run-export.ts';

export interface NativeCsvPlan {
  csv: CsvByteStream;
  header: boolean;
  delimiter: string;
  sink: Sink;
  key: string;
  contentType: string;
  compression?: CompressionStage;
}

/**
 * The CSV fast path: the engine's own CSV bytes → header and CRLF row ends → compression → the object
 * writer. No row is decoded or encoded in JS; the scan for row ends (progress, CRLF) is a couple of
 * indexOf() calls per row. The final row count is the engine's own (COPY's command tag).
 */
export async function runNativeCsvExport(
  plan: NativeCsvPlan,
  { signal, onProgress }: { signal?: AbortSignal; onProgress?: ProgressListener } = {},
): Promise<ExportResult> {
  const meter = createProgressMeter(onProgress);
  const header = plan.header ? encodeHeader(plan.csv.columns, { delimiter: plan.delimiter }) : '';
  const writer = plan.sink.createWriter(plan.key, {
    contentType: plan.compression?.contentType ?? plan.contentType,
  });
  const stages: NodeJS.ReadWriteStream[] = [createCsvRowTransform(header, meter.countRows)];
  if (plan.compression) stages.push(plan.compression.transform);
  stages.push(meter.bytes);
  const object = await pipeIntoWriter(
    [Readable.from(plan.csv.chunks, { objectMode: true, highWaterMark: 2 }), ...stages],
    writer,
    signal,
  );
  const { elapsedMs } = meter.snapshot();
  return {
    rows: plan.csv.rowCount(),
    columns: plan.csv.columns,
    compiled: plan.csv.compiled,
    object,
    elapsedMs,
  };
}
