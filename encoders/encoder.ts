import type { Duplex } from 'node:stream';
import type { Column } from '../schemas/column.ts';

/** The row formats, by name: light to import (help texts, request checks) without loading any encoder. */
export const FORMATS = ['csv', 'ndjson', 'json', 'parquet', 'arrow', 'arrow-file', 'xlsx'] as const;
export type Format = (typeof FORMATS)[number];

export type LineEnding = 'crlf' | 'lf';

export type ParquetCompression = 'zstd' | 'snappy' | 'none';

export interface EncoderOptions {
  /** csv: write a header line (default true) */
  header?: boolean;
  /** csv: one character (default `,`) */
  delimiter?: string;
  /** csv: how rows end, `crlf` (RFC 4180, the default) or `lf` */
  lineEnding?: LineEnding;
  /**
   * parquet: rows per row group (default 262,144; a group also closes at 16 MiB encoded). A row group is
   * what a reader fetches and decodes as a unit; the writer holds one in memory, compressed, before writing
   * it out. See encoders/parquet/writer-properties.ts and bench/parquet-writers.ts.
   */
  rowGroupRows?: number;
  /**
   * parquet: the codec inside the file (default zstd). Named apart from the request's `compression`, which
   * wraps a whole text file in gzip/zstd and means nothing for Parquet's per-page compression.
   */
  parquetCompression?: ParquetCompression;
  /**
   * arrow: input batches are coalesced into record batches of up to this many rows (default 65,536, at most
   * 1,048,576); a record batch also closes at 16 MiB.
   */
  recordBatchRows?: number;
  /** xlsx: rows per sheet before the data continues on the next (Excel's 1,048,576; lower only in tests). */
  maxRowsPerSheet?: number;
}

/**
 * Row batches in (object mode), bytes out, as a Transform (or a Duplex whose sides are joined, like xlsx's
 * zip) so pipeline() carries backpressure and errors. Rendered documents (pdf, png, pptx, and xlsx of a
 * report) are written by renderers/ from a rendered report instead.
 */
export interface EncoderSpec {
  format: Format;
  contentType: string;
  extension: string;
  create(columns: Column[], options: EncoderOptions): Duplex;
}
