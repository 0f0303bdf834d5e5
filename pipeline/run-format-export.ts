import { isSluiceError, SluiceError } from '../core/errors.ts';
import type { CompiledQuery, Query, Source } from '../dialects/source.ts';
import type { EncoderOptions } from '../encoders/encoder.ts';
import { encoderFor } from '../encoders/index.ts';
import { SQL_EXTENSION } from '../encoders/sql/render-sql.ts';
import type { Column } from '../schemas/column.ts';
import type { Sink, StoredObject } from '../sinks/sink.ts';
import { createCompression, type Compression } from './compression.ts';
import type { ProgressListener } from './progress.ts';
import { runExport, type ExportResult } from './run-export.ts';
import { runNativeCsvExport } from './run-native-csv-export.ts';
import { isDecodePathRetry, runSplitExport } from './run-split-export.ts';
import type { ManifestEntry, SplitInfo } from './split/manifest.ts';
import { planStreams } from './split/parallel-ranges.ts';
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
  /**
   * csv: let the source write the CSV itself when it can (PostgreSQL COPY … CSV), default true. Off only to
   * compare the two paths (tests, bench).
   */
  nativeCsv?: boolean;
  /**
   * Split the output into `part-NNNNN.ext` files plus `manifest.json` (keys from `fileKeyFor`): at most
   * this many rows or MiB per file, and/or `parallel` streams over key ranges.
   */
  split?: SplitOptions;
  fileKeyFor?: (name: string) => string;
}

export interface SplitOptions {
  maxRowsPerFile?: number;
  maxFileSizeMiB?: number;
  parallel?: number;
}

export interface FormatExportResult {
  rows: number;
  columns: Column[];
  compiled: CompiledQuery;
  /** The file, or for a split export its manifest. */
  object: StoredObject;
  /** Split exports: the files, in manifest order. */
  files?: ManifestEntry[];
  split?: SplitInfo;
}

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
  // Format and option combinations were checked when the export was planned (planning/check-options.ts).
  const compressionKind = plan.compression ?? 'none';
  const compression = createCompression(compressionKind);
  const key = plan.keyFor((isSql ? SQL_EXTENSION : encoder!.extension) + (compression?.suffix ?? ''));

  if (isSplit(plan.split)) {
    return runSplitFormatExport(plan, encoder!, compressionKind, compression?.suffix ?? '', {
      signal,
      onProgress,
      batchRows,
    });
  }

  if (isSql) {
    const out = await runSqlExport(
      { source: plan.source, query: plan.query, sink: plan.sink, key, comment: plan.comment, compression },
      signal,
    );
    return { rows: 0, columns: out.columns, compiled: out.compiled, object: out.object };
  }
  if (plan.format === 'csv' && plan.nativeCsv !== false && plan.source.streamCsv) {
    const native = await tryNativeCsv(plan, key, compression, { signal, onProgress });
    if (native) return native;
  }
  // A compression stage is single-use; a fallback after a failed fast path needs a fresh one.
  const result = await runExport(
    {
      source: plan.source,
      query: plan.query,
      encoder: encoder!,
      encoderOptions: plan.encoderOptions,
      sink: plan.sink,
      key,
      compression:
        compression && !compression.transform.destroyed ? compression : createCompression(compressionKind),
    },
    { signal, onProgress, batchRows },
  );
  return { rows: result.rows, columns: result.columns, compiled: result.compiled, object: result.object };
}

/**
 * The source's own CSV, or undefined when this query cannot take it (the caller then decodes and encodes).
 * Values the engine cannot render as encoders/csv would (±infinity, years beyond 1..9999) fail the fast
 * path with `retryOnDecodePath`; the writer has already aborted, and the decode path runs from the start.
 */
async function tryNativeCsv(
  plan: FormatExportPlan,
  key: string,
  compression: ReturnType<typeof createCompression>,
  { signal, onProgress }: { signal?: AbortSignal; onProgress?: ProgressListener },
): Promise<FormatExportResult | undefined> {
  const delimiter = plan.encoderOptions?.delimiter ?? ',';
  const csv = await plan.source.streamCsv!(plan.query, { signal, delimiter });
  if (!csv) return undefined;
  let result: ExportResult;
  try {
    result = await runNativeCsvExport(
      {
        csv,
        header: plan.encoderOptions?.header ?? true,
        delimiter,
        sink: plan.sink,
        key,
        contentType: encoderFor('csv').contentType,
        compression,
      },
      { signal, onProgress },
    );
  } catch (err) {
    if (isSluiceError(err) && err.details.retryOnDecodePath === true && !signal?.aborted) return undefined;
    throw err;
  }
  return { rows: result.rows, columns: result.columns, compiled: result.compiled, object: result.object };
}

function isSplit(split: SplitOptions | undefined): split is SplitOptions {
  return (
    split !== undefined &&
    (split.maxRowsPerFile !== undefined || split.maxFileSizeMiB !== undefined || (split.parallel ?? 1) > 1)
  );
}

async function runSplitFormatExport(
  plan: FormatExportPlan,
  encoder: ReturnType<typeof encoderFor>,
  compression: Compression,
  suffix: string,
  options: { signal?: AbortSignal; onProgress?: ProgressListener; batchRows?: number },
): Promise<FormatExportResult> {
  const split = plan.split!;
  if (!plan.fileKeyFor) throw new SluiceError('INTERNAL_ERROR', 'a split export needs fileKeyFor');
  const streams = await planStreams(plan.source, plan.query, split.parallel ?? 1);
  const run = (nativeCsv: boolean) =>
    runSplitExport(
      {
        source: plan.source,
        queries: streams.queries,
        encoder,
        encoderOptions: plan.encoderOptions ?? {},
        compression,
        sink: plan.sink,
        fileKeyFor: plan.fileKeyFor!,
        extension: encoder.extension + suffix,
        limits: {
          maxRows: split.maxRowsPerFile ?? Infinity,
          maxBytes: split.maxFileSizeMiB !== undefined ? split.maxFileSizeMiB * 1024 * 1024 : Infinity,
        },
        split: {
          ...(split.maxRowsPerFile !== undefined ? { maxRowsPerFile: split.maxRowsPerFile } : {}),
          ...(split.maxFileSizeMiB !== undefined ? { maxFileSizeMiB: split.maxFileSizeMiB } : {}),
          parallel: streams.parallel,
        },
        nativeCsv,
      },
      options,
    );
  let result;
  try {
    result = await run(plan.nativeCsv !== false);
  } catch (err) {
    if (!isDecodePathRetry(err) || options.signal?.aborted) throw err;
    result = await run(false);
  }
  return {
    rows: result.rows,
    columns: result.columns,
    compiled: result.compiled,
    object: result.manifest,
    files: result.files,
    split: result.manifestBody.split,
  };
}
