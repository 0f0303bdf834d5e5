import type { Query, Source } from '../dialects/source.ts';
import type { EncoderOptions } from '../encoders/encoder.ts';
import { renderSql, SQL_CONTENT_TYPE, SQL_EXTENSION } from '../encoders/sql/render-sql.ts';
import type { Column } from '../schemas/column.ts';
import { writeWholeObject } from '../sinks/settle-writer.ts';
import type { Sink, StoredObject } from '../sinks/sink.ts';
import { createCompression, type Compression } from './compression.ts';
import type { ProgressListener } from './progress.ts';
import { runFormatExport, type SplitOptions } from './run-format-export.ts';
import { MANIFEST_NAME, writeManifestObject } from './split/manifest.ts';

/** One query of an export, ready to run: a Source (possibly a view over another), what to ask it, where. */
export interface UnitRun {
  source: Source;
  query: Query;
  /** Its file's name in the export's folder, for layouts with one file per unit. */
  name?: string;
  /** Copied into its manifest entry as they are (what the unit is to whoever planned it). */
  labels?: Record<string, string>;
  /** The `sql` format: the comment above this unit's statement (the export's own when absent). */
  comment?: string;
}

export interface UnitsExport {
  units: UnitRun[];
  /** See planning/export-plan.ts; `document` has no runner yet. */
  layout: 'one-file' | 'file-per-unit' | 'statements';
  format: string;
  compression: Compression;
  encoderOptions: EncoderOptions;
  split?: SplitOptions;
  sink: Sink;
  /** The export's own object key, for the given extension (`csv.gz`). */
  keyFor: (extension: string) => string;
  /** A key in the export's folder: split parts, per-unit files, the manifest. */
  fileKeyFor: (name: string) => string;
  /** A line for the reader of a `sql` file. */
  comment: string;
  /** `file-per-unit`: fields the manifest starts with (`kind`, and whatever the planner put in `meta`). */
  manifest?: { kind: string; meta: Record<string, string> };
}

export interface UnitFile {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface UnitsResult {
  /** The one file, or the manifest that lists the files. */
  object: StoredObject;
  rows: number;
  columns: Column[];
  files?: UnitFile[];
}

interface RunOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  batchRows?: number;
}

/**
 * Runs an export's units in its layout. Every multi-file case lives here (split parts through
 * runFormatExport, one file per unit, one manifest written last by the one manifest writer); a failure
 * anywhere removes every file already written, so the export leaves all its objects or none.
 */
export async function runUnits(spec: UnitsExport, options: RunOptions = {}): Promise<UnitsResult> {
  switch (spec.layout) {
    case 'one-file':
      return runOne(spec, spec.units[0]!, spec.keyFor, (name) => spec.fileKeyFor(name), options);
    case 'statements':
      return runStatements(spec, options);
    case 'file-per-unit':
      return runPerUnit(spec, options);
  }
}

async function runOne(
  spec: UnitsExport,
  unit: UnitRun,
  keyFor: (extension: string) => string,
  fileKeyFor: (name: string) => string,
  options: RunOptions,
): Promise<UnitsResult> {
  const result = await runFormatExport(
    {
      source: unit.source,
      query: unit.query,
      format: spec.format,
      compression: spec.compression,
      encoderOptions: spec.encoderOptions,
      sink: spec.sink,
      keyFor,
      fileKeyFor,
      ...(spec.split ? { split: spec.split } : {}),
      comment: spec.comment,
    },
    options,
  );
  return {
    object: result.object,
    rows: result.rows,
    columns: result.columns,
    ...(result.files
      ? { files: result.files.map(({ key, rows, bytes, sha256 }) => ({ key, rows, bytes, sha256 })) }
      : {}),
  };
}

/** The `sql` format of several units: every statement, each under a comment naming its unit, in one file. */
async function runStatements(spec: UnitsExport, { signal }: RunOptions): Promise<UnitsResult> {
  const text: string[] = [];
  for (const unit of spec.units) {
    text.push(
      renderSql({
        dialect: unit.source.dialect,
        compiled: await unit.source.compile(unit.query),
        comment: unit.comment ?? spec.comment,
      }),
    );
  }
  const compression = createCompression(spec.compression);
  let body: Buffer = Buffer.from(text.join('\n'), 'utf8');
  if (compression) {
    const chunks: Buffer[] = [];
    compression.transform.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve, reject) => {
      compression.transform.once('end', resolve).once('error', reject);
    });
    compression.transform.end(body);
    await ended;
    body = Buffer.concat(chunks);
  }
  const object = await writeWholeObject(spec.sink, spec.keyFor(SQL_EXTENSION + (compression?.suffix ?? '')), {
    contentType: compression?.contentType ?? SQL_CONTENT_TYPE,
    body,
    ...(signal ? { signal } : {}),
  });
  return { object, rows: 0, columns: [] };
}

/** One file per unit (each may be split in parts), then the manifest listing them with their labels. */
async function runPerUnit(spec: UnitsExport, options: RunOptions): Promise<UnitsResult> {
  const written: string[] = [];
  const entries: (Record<string, unknown> & UnitFile)[] = [];
  let done = { rows: 0, bytes: 0 };
  try {
    for (const [i, unit] of spec.units.entries()) {
      const name = unit.name ?? `unit-${String(i + 1).padStart(3, '0')}`;
      const base = done;
      const result = await runOne(
        spec,
        unit,
        (extension) => spec.fileKeyFor(`${name}.${extension}`),
        (part) => spec.fileKeyFor(`${name}--${part}`),
        {
          ...options,
          onProgress: (p) =>
            options.onProgress?.({ ...p, rows: base.rows + p.rows, bytes: base.bytes + p.bytes }),
        },
      );
      written.push(result.object.key, ...(result.files ?? []).map((f) => f.key));
      entries.push({
        ...unit.labels,
        key: result.object.key,
        rows: result.rows,
        bytes: result.object.bytes,
        sha256: result.object.sha256,
        columns: result.columns,
      });
      done = { rows: base.rows + result.rows, bytes: base.bytes + result.object.bytes };
    }
    const manifest = {
      version: 1,
      kind: spec.manifest?.kind ?? 'files',
      ...spec.manifest?.meta,
      format: spec.format,
      entries,
      totals: { files: entries.length, rows: done.rows, bytes: done.bytes },
    };
    const object = await writeManifestObject(
      spec.sink,
      spec.fileKeyFor(MANIFEST_NAME),
      manifest,
      options.signal,
    );
    return {
      object,
      rows: done.rows,
      columns: [],
      files: entries.map(({ key, rows, bytes, sha256 }) => ({ key, rows, bytes, sha256 })),
    };
  } catch (err) {
    await Promise.allSettled(written.map((key) => spec.sink.remove(key)));
    throw err;
  }
}
