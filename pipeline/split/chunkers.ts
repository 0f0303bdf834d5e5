import type { RowBatch } from '../../dialects/source.ts';
import { CsvRowScanner } from '../csv-rows.ts';

export interface Taken<T> {
  head: T;
  /** Rows that end inside `head`. */
  rows: number;
  rest: T | undefined;
}

/**
 * How a split export cuts its input between files without splitting a row: decoded row batches are cut
 * between rows; engine-written CSV bytes are cut just after a row's line end.
 */
export interface Chunker<T> {
  /** At most `maxRows` rows' worth from the front of `unit`; `rest` is the remainder when the limit hit. */
  take(unit: T, maxRows: number): Taken<T>;
  /** Whether everything taken so far ends between two rows. */
  atRowBoundary(): boolean;
  isEmpty(unit: T): boolean;
}

export function createBatchChunker(): Chunker<RowBatch> {
  return {
    take: (batch, maxRows) =>
      batch.length <= maxRows
        ? { head: batch, rows: batch.length, rest: undefined }
        : { head: batch.slice(0, maxRows), rows: maxRows, rest: batch.slice(maxRows) },
    atRowBoundary: () => true,
    isEmpty: (batch) => batch.length === 0,
  };
}

/** CSV from the engine: row ends found by CsvRowScanner, which also rewrites them to CRLF. */
export function createCsvChunker({ crlf = true }: { crlf?: boolean } = {}): Chunker<Buffer> {
  const scanner = new CsvRowScanner({ crlf });
  let boundary = true;
  return {
    take(chunk, maxRows) {
      const taken = scanner.take(chunk, maxRows);
      if (taken.head.length > 0) boundary = !scanner.inQuotes && taken.head[taken.head.length - 1] === 0x0a;
      return taken;
    },
    atRowBoundary: () => boundary,
    isEmpty: (chunk) => chunk.length === 0,
  };
}
