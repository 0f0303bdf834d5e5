import { Readable } from 'node:stream';
import type { Column } from '../schemas/column.ts';
import type { CompiledQuery, Query, Source } from '../dialects/source.ts';
import type { EncoderOptions, EncoderSpec } from '../encoders/encoder.ts';
import type { Sink, StoredObject } from '../sinks/sink.ts';
import { pipeIntoWriter } from '../sinks/settle-writer.ts';
import type { CompressionStage } from './compression.ts';
import { createProgressMeter, type ProgressListener } from './progress.ts';

export interface ExportPlan {
  source: Source;
  query: Query;
  encoder: EncoderSpec;
  encoderOptions?: EncoderOptions;
  sink: Sink;
  key: string;
  /** Text formats only; the key should already carry its suffix. */
  compression?: CompressionStage;
}

export interface ExportRunOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  batchRows?: number;
}

export interface ExportResult {
  rows: number;
  columns: Column[];
  compiled: CompiledQuery;
  object: StoredObject;
  elapsedMs: number;
}

/**
 * source → rows meter → encoder → bytes meter → object writer, joined by pipeline() so a slow sink slows the
 * query, any failure or abort tears down every stage, and the writer aborts instead of committing.
 */
export async function runExport(plan: ExportPlan, { signal, onProgress, batchRows }: ExportRunOptions = {}) {
  const rowStream = await plan.source.stream(plan.query, { signal, batchRows });
  const rows = Readable.from(rowStream.batches, { objectMode: true, highWaterMark: 2 });
  let encoder;
  try {
    encoder = plan.encoder.create(rowStream.columns, plan.encoderOptions ?? {});
  } catch (err) {
    rows.destroy(); // ends the query: Readable.from returns its iterator
    throw err;
  }
  const meter = createProgressMeter(onProgress);
  const contentType = plan.compression?.contentType ?? plan.encoder.contentType;
  const writer = plan.sink.createWriter(plan.key, { contentType });
  const stages: NodeJS.ReadWriteStream[] = [meter.rows, encoder];
  if (plan.compression) stages.push(plan.compression.transform);
  stages.push(meter.bytes);
  const object = await pipeIntoWriter([rows, ...stages], writer, signal);
  const { rows: rowCount, elapsedMs } = meter.snapshot();
  return {
    rows: rowCount,
    columns: rowStream.columns,
    compiled: rowStream.compiled,
    object,
    elapsedMs,
  } satisfies ExportResult;
}
