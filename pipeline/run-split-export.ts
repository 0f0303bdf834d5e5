import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isSluiceError } from '../core/errors.ts';
import type { CompiledQuery, Query, RowBatch, Source } from '../dialects/source.ts';
import { encodeHeader } from '../encoders/csv/encode-row.ts';
import type { EncoderOptions, EncoderSpec } from '../encoders/encoder.ts';
import type { Column } from '../schemas/column.ts';
import type { Sink, StoredObject } from '../sinks/sink.ts';
import { pipeIntoWriter } from '../sinks/settle-writer.ts';
import { createCompression, type Compression } from './compression.ts';
import { createHeaderPrefix } from './csv-rows.ts';
import { createProgressMeter, type ProgressListener } from './progress.ts';
import { createBatchChunker, createCsvChunker, type Chunker } from './split/chunkers.ts';
import { FileSplitter, type OpenFile, type SplitLimits } from './split/file-splitter.ts';
import {
  buildManifest,
  manifestEntry,
  MANIFEST_NAME,
  writeManifestObject,
  type Manifest,
  type ManifestEntry,
  type SplitInfo,
} from './split/manifest.ts';

export interface SplitExportPlan {
  source: Source;
  /** One query per stream: the whole query, or its key ranges (see parallel-ranges.ts). */
  queries: Query[];
  encoder: EncoderSpec;
  encoderOptions: EncoderOptions;
  compression: Compression;
  sink: Sink;
  /** The key of a file in the export's folder: `part-00001.csv.gz`, `manifest.json`. */
  fileKeyFor: (name: string) => string;
  /** The files' extension, compression suffix included. */
  extension: string;
  limits: SplitLimits;
  split: SplitInfo;
  /** csv: let the source write the CSV (default true). */
  nativeCsv?: boolean;
}

export interface SplitExportResult {
  rows: number;
  columns: Column[];
  compiled: CompiledQuery;
  files: ManifestEntry[];
  manifest: StoredObject;
  manifestBody: Manifest;
}

/** One stream's input, ready to feed a FileSplitter. */
interface StreamInput<T> {
  columns: Column[];
  compiled: CompiledQuery;
  units: AsyncIterable<T>;
  chunker: Chunker<T>;
  /** The first stage of a new file. */
  entry(): Transform;
}

/**
 * A split and/or parallel export: every stream (one per key range) runs source → FileSplitter, which
 * writes `part-NNNNN.ext` files; once every stream has finished, `manifest.json` is written last. Until then
 * nothing is final: a failure anywhere aborts every stream (open uploads aborted), deletes every file already
 * written, and only then rejects — the export leaves all its objects or none.
 */
export async function runSplitExport(
  plan: SplitExportPlan,
  {
    signal,
    onProgress,
    batchRows,
  }: { signal?: AbortSignal; onProgress?: ProgressListener; batchRows?: number },
): Promise<SplitExportResult> {
  // Nothing is written yet: an export cancelled before it starts just does not start.
  signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const meter = createProgressMeter(onProgress);
  const written: { stream: number; seq: number; entry: ManifestEntry }[] = [];
  let fileNumber = 0;
  let first: { columns: Column[]; compiled: CompiledQuery } | undefined;

  const openFile = (entry: Transform): OpenFile => {
    const name = `part-${String(++fileNumber).padStart(5, '0')}.${plan.extension}`;
    const compression = createCompression(plan.compression);
    const writer = plan.sink.createWriter(plan.fileKeyFor(name), {
      contentType: compression?.contentType ?? plan.encoder.contentType,
    });
    let stored = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        stored += chunk.byteLength;
        meter.countBytes(chunk.byteLength);
        callback(null, chunk);
      },
    });
    const stages: NodeJS.ReadWriteStream[] = [];
    if (compression) stages.push(compression.transform);
    stages.push(counter);
    const done = pipeIntoWriter([entry, ...stages], writer);
    done.catch(() => {}); // awaited by the splitter; a failure also reaches it through the stream
    return { input: entry, done, storedBytes: () => stored };
  };

  const runStream = async (query: Query, stream: number): Promise<void> => {
    const input = await openInput(plan, query, stop.signal, batchRows);
    first ??= { columns: input.columns, compiled: input.compiled };
    let seq = 0;
    const splitter = new FileSplitter({
      chunker: input.chunker as Chunker<unknown>,
      limits: plan.limits,
      open: () => openFile(input.entry()),
      onFile: ({ stored, rows }) => written.push({ stream, seq: seq++, entry: manifestEntry(stored, rows) }),
      // Counted by the chunker, so engine-written CSV (bytes, no batches) reports its rows too.
      onRows: (rows) => meter.countRows(rows),
    });
    try {
      await pipeline(Readable.from(input.units, { objectMode: true, highWaterMark: 2 }), splitter, {
        signal: stop.signal,
      });
    } finally {
      await splitter.settled;
    }
  };

  try {
    const outcomes = await Promise.allSettled(
      plan.queries.map((query, i) =>
        runStream(query, i).catch((err: unknown) => {
          stop.abort(err); // the other streams stop too
          throw err;
        }),
      ),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw pickFailure(outcomes, signal);

    written.sort((a, b) => a.stream - b.stream || a.seq - b.seq);
    const entries = written.map((w) => w.entry);
    const manifestBody = buildManifest(
      {
        format: plan.encoder.format,
        contentType: createCompression(plan.compression)?.contentType ?? plan.encoder.contentType,
        compression: plan.compression,
        columns: first!.columns,
        split: plan.split,
      },
      entries,
    );
    const manifest = await writeManifest(plan, manifestBody, stop.signal);
    meter.finish();
    return {
      rows: manifestBody.totals.rows,
      columns: first!.columns,
      compiled: first!.compiled,
      files: entries,
      manifest,
      manifestBody,
    };
  } catch (err) {
    // Whatever finished goes again: a split export is all its files and the manifest, or nothing.
    await Promise.allSettled(written.map((w) => plan.sink.remove(w.entry.key)));
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The first real failure: the caller's abort reason, else the error that stopped the others. */
function pickFailure(outcomes: PromiseSettledResult<unknown>[], signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  return reasons.find((r) => !(r instanceof Error && r.name === 'AbortError')) ?? reasons[0];
}

async function openInput(
  plan: SplitExportPlan,
  query: Query,
  signal: AbortSignal,
  batchRows: number | undefined,
): Promise<StreamInput<RowBatch> | StreamInput<Buffer>> {
  const { encoderOptions } = plan;
  if (plan.encoder.format === 'csv' && plan.nativeCsv !== false && plan.source.streamCsv) {
    const delimiter = encoderOptions.delimiter ?? ',';
    const csv = await plan.source.streamCsv(query, { signal, delimiter });
    if (csv) {
      const header = (encoderOptions.header ?? true) ? encodeHeader(csv.columns, { delimiter }) : '';
      return {
        columns: csv.columns,
        compiled: csv.compiled,
        units: csv.chunks,
        chunker: createCsvChunker(),
        entry: () => createHeaderPrefix(header),
      };
    }
  }
  const rows = await plan.source.stream(query, { signal, batchRows });
  return {
    columns: rows.columns,
    compiled: rows.compiled,
    units: rows.batches,
    chunker: createBatchChunker(),
    entry: () => plan.encoder.create(rows.columns, encoderOptions),
  };
}

async function writeManifest(
  plan: SplitExportPlan,
  body: Manifest,
  signal: AbortSignal,
): Promise<StoredObject> {
  return writeManifestObject(plan.sink, plan.fileKeyFor(MANIFEST_NAME), body, signal);
}

/** Whether a failure asks for the export to run again without the CSV fast path (see csv-columns.ts). */
export function isDecodePathRetry(err: unknown): boolean {
  return isSluiceError(err) && err.details.retryOnDecodePath === true;
}
