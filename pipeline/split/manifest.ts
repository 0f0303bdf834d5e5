import type { Column } from '../../schemas/column.ts';
import { writeWholeObject } from '../../sinks/settle-writer.ts';
import type { Sink, StoredObject } from '../../sinks/sink.ts';

/** One file of a split export, as the manifest and the completion event list it. */
export interface ManifestEntry {
  key: string;
  /** s3://bucket/key (or file:///…): the form Redshift's COPY … MANIFEST reads. */
  url: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** Redshift COPY fields: every file is needed, and its size and row count. */
  mandatory: true;
  meta: { content_length: number; record_count: number };
}

/** How the export was cut: the limits asked for, and the streams that actually ran. */
export interface SplitInfo {
  maxRowsPerFile?: number;
  maxFileSizeMiB?: number;
  parallel: {
    requested: number;
    streams: number;
    /** The integer column the key ranges were taken on. */
    column?: string;
    /** Why fewer streams ran than were asked for. */
    note?: string;
  };
}

/**
 * `manifest.json` beside the files, in the spirit of Redshift UNLOAD's MANIFEST (its `entries` with
 * `url`, `mandatory` and `meta` are what `COPY … MANIFEST` reads), plus what a reader needs to check the
 * set: each file's rows, bytes and SHA-256, the totals and the columns. Files are listed in key-range
 * order, then in the order each stream wrote them.
 */
export interface Manifest {
  version: 1;
  format: string;
  contentType: string;
  compression: string;
  columns: Column[];
  entries: ManifestEntry[];
  totals: { files: number; rows: number; bytes: number };
  meta: { content_length: number; record_count: number };
  split: SplitInfo;
}

export function manifestEntry(stored: StoredObject, rows: number): ManifestEntry {
  return {
    key: stored.key,
    url: stored.uri,
    rows,
    bytes: stored.bytes,
    sha256: stored.sha256,
    mandatory: true,
    meta: { content_length: stored.bytes, record_count: rows },
  };
}

export function buildManifest(
  fields: Pick<Manifest, 'format' | 'contentType' | 'compression' | 'columns' | 'split'>,
  entries: ManifestEntry[],
): Manifest {
  const rows = entries.reduce((n, e) => n + e.rows, 0);
  const bytes = entries.reduce((n, e) => n + e.bytes, 0);
  return {
    version: 1,
    ...fields,
    entries,
    totals: { files: entries.length, rows, bytes },
    meta: { content_length: bytes, record_count: rows },
  };
}

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_CONTENT_TYPE = 'application/json';

/**
 * The one manifest writer: split parts and several files of one export (a report's visuals) are listed the
 * same way, as pretty JSON written whole and last, so its presence means every file it lists is there.
 */
export function writeManifestObject(
  sink: Sink,
  key: string,
  body: object,
  signal?: AbortSignal,
): Promise<StoredObject> {
  return writeWholeObject(sink, key, {
    contentType: MANIFEST_CONTENT_TYPE,
    body: `${JSON.stringify(body, null, 2)}\n`,
    ...(signal ? { signal } : {}),
  });
}
