import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Column } from '../schemas/column.ts';
import type { CompiledQuery, Query, Source } from '../dialects/source.ts';
import type { EncoderOptions, EncoderSpec } from '../encoders/encoder.ts';
import type { Sink, StoredObject } from '../sinks/sink.ts';
import { createProgressMeter, type ProgressListener } from './progress.ts';

export interface ExportPlan {
  source: Source;
  query: Query;
  encoder: EncoderSpec;
  encoderOptions?: EncoderOptions;
  sink: Sink;
  key: string;
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
  const meter = createProgressMeter(onProgress);
  const writer = plan.sink.createWriter(plan.key, { contentType: plan.encoder.contentType });
  try {
    await pipeline(
      Readable.from(rowStream.batches, { objectMode: true, highWaterMark: 2 }),
      meter.rows,
      plan.encoder.create(rowStream.columns, plan.encoderOptions ?? {}),
      meter.bytes,
      writer,
      signal ? { signal } : {},
    );
  } catch (err) {
    // pipeline() settles on the first error; the writer may still be aborting its upload.
    await writer.stored.catch(() => {});
    throw err;
  }
  const object = await writer.stored;
  const { rows, elapsedMs } = meter.snapshot();
  return {
    rows,
    columns: rowStream.columns,
    compiled: rowStream.compiled,
    object,
    elapsedMs,
  } satisfies ExportResult;
}
