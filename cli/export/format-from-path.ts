import type { Compression } from '../../pipeline/compression.ts';

/** What a file name says about its content: `x.csv.gz` is gzip-compressed CSV. */
export interface PathFormat {
  format?: string;
  compression?: Compression;
}

const FORMAT_BY_EXTENSION: Record<string, string> = {
  csv: 'csv',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'json',
  parquet: 'parquet',
  // `.arrow` and `.feather` files are the IPC file format by convention; `.arrows` is the stream format.
  arrow: 'arrow-file',
  feather: 'arrow-file',
  arrows: 'arrow',
  sql: 'sql',
};

const COMPRESSION_BY_EXTENSION: Record<string, Compression> = { gz: 'gzip', zst: 'zstd', zstd: 'zstd' };

/** The extensions of `--out`'s last segment (a path, file:// URL or s3:// key); `-` and bare names say nothing. */
export function formatFromPath(out: string): PathFormat {
  const name = out.split(/[/\\]/).pop() ?? '';
  const parts = name.toLowerCase().split('.').slice(1);
  const result: PathFormat = {};
  let last = parts.at(-1);
  if (last !== undefined && Object.hasOwn(COMPRESSION_BY_EXTENSION, last)) {
    result.compression = COMPRESSION_BY_EXTENSION[last];
    parts.pop();
    last = parts.at(-1);
  }
  if (last !== undefined && Object.hasOwn(FORMAT_BY_EXTENSION, last))
    result.format = FORMAT_BY_EXTENSION[last];
  return result;
}

/** The usual extension of a format, for messages that suggest a name. */
export function extensionOf(format: string): string {
  return Object.entries(FORMAT_BY_EXTENSION).find(([, f]) => f === format)?.[0] ?? format;
}
