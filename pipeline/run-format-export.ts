import { SluiceError } from '../core/errors.ts';
import type { CompiledQuery, Query, Source } from '../dialects/source.ts';
import type { EncoderOptions } from '../encoders/encoder.ts';
import { encoderFor } from '../encoders/index.ts';
import { SQL_EXTENSION } from '../encoders/sql/render-sql.ts';
import type { Column } from '../schemas/column.ts';
import type { Sink, StoredObject } from '../sinks/sink.ts';
import { createCompression, type Compression } from './compression.ts';
import type { ProgressListener } from './progress.ts';
import { runExport } from './run-export.ts';
import { runSqlExport } from './run-sql-export.ts';

export interface FormatExportPlan {
  source: Source;
  query: Query;
  /** csv | ndjson | json | parquet | arrow | sql */
  format: string;
  compression?: Compression;
  encoderOptions?: EncoderOptions;
  sink: Sink;
  /** The object key, given the file extension the format and compression call for (`csv.gz`). */
  keyFor: (extension: string) => string;
  /** sql format: a comment for the reader of the file */
  comment?: string;
}

export interface FormatExportResult {
  rows: number;
  columns: Column[];
  compiled: CompiledQuery;
  object: StoredObject;
}

const TEXT_FORMATS = new Set(['csv', 'ndjson', 'json', 'sql']);

/**
 * One export by format name, shared by the worker and the one-shot CLI: the row formats stream through
 * their encoder, `sql` writes the compiled statement, and text formats may be gzip- or zstd-compressed.
 * Bad combinations fail before any query runs.
 */
export async function runFormatExport(
  plan: FormatExportPlan,
  {
    signal,
    onProgress,
    batchRows,
  }: { signal?: AbortSignal; onProgress?: ProgressListener; batchRows?: number } = {},
): Promise<FormatExportResult> {
  const isSql = plan.format === 'sql';
  const encoder = isSql ? undefined : encoderFor(plan.format); // FORMAT_UNSUPPORTED
  const compressionKind = plan.compression ?? 'none';
  if (compressionKind !== 'none' && !TEXT_FORMATS.has(plan.format)) {
    throw new SluiceError(
      'REQUEST_INVALID',
      `options.compression applies to text formats (csv, ndjson, json, sql); ${plan.format} compresses internally`,
    );
  }
  const compression = createCompression(compressionKind);
  const key = plan.keyFor((isSql ? SQL_EXTENSION : encoder!.extension) + (compression?.suffix ?? ''));

  if (isSql) {
    const out = await runSqlExport(
      { source: plan.source, query: plan.query, sink: plan.sink, key, comment: plan.comment, compression },
      signal,
    );
    return { rows: 0, columns: out.columns, compiled: out.compiled, object: out.object };
  }
  const result = await runExport(
    {
      source: plan.source,
      query: plan.query,
      encoder: encoder!,
      encoderOptions: plan.encoderOptions,
      sink: plan.sink,
      key,
      compression,
    },
    { signal, onProgress, batchRows },
  );
  return { rows: result.rows, columns: result.columns, compiled: result.compiled, object: result.object };
}
