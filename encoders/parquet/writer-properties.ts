import { Compression, WriterPropertiesBuilder, type WriterProperties } from 'parquet-wasm';
import type { EncoderOptions, ParquetCompression } from '../encoder.ts';
import { invalidFields } from '../../schemas/parse-contract.ts';

/**
 * Rows per row group. bench/parquet-writers.ts, 1M rows of the BASELINES schema (~100 B a row), zstd:
 *
 *     rows/group   rows/s   file MB   peak RSS MB   row groups
 *     32k          565k     16.2      221           31
 *     64k          557k     15.6      229           16
 *     128k         538k     15.1      235            8
 *     256k         591k     12.8      217            4
 *     1M           657k     10.6      238            1  (nothing streams out until the millionth row)
 *
 * RSS does not depend on it (the writer keeps a row group compressed, ~3 MB here), larger groups compress
 * better and cost less per row, while readers (DuckDB, Spark, Trino) parallelise by row group, and a file
 * streams out a group at a time. 256k rows is the balance: 4 groups per million rows of ~3 MB each.
 */
export const DEFAULT_ROW_GROUP_ROWS = 262_144;

/**
 * Wide rows would make a 256k-row group huge, so the writer also closes a row group once it holds this many
 * encoded bytes (checked per slice handed over, parquet-transform.ts). bench/parquet-wide-rows.ts, 200k rows
 * of 2 KB incompressible text: the WebAssembly heap peaks at ~5× this limit (the open group, its flushed
 * copy, the slice in flight) and never shrinks afterwards. 128 MiB → 436 MB heap, 914 MB RSS; 32 MiB →
 * 171 MB / 428 MB; 16 MiB → 89 MB / 344–375 MB. 16 MiB row groups are still large enough for any reader.
 */
export const MAX_ROW_GROUP_BYTES = 16 * 1024 * 1024;

export interface ParquetSettings {
  rowGroupRows: number;
  compression: ParquetCompression;
}

const CODECS: Record<ParquetCompression, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  none: Compression.UNCOMPRESSED,
};

/** Options are checked once, when the encoder is created, so a bad request fails before any query runs. */
export function parquetSettings({ rowGroupRows, parquetCompression }: EncoderOptions): ParquetSettings {
  const rows = rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isSafeInteger(rows) || rows < 1) {
    throw invalidFields([
      { field: 'options.rowGroupRows', rule: `must be a positive integer, not ${rowGroupRows}` },
    ]);
  }
  const compression = parquetCompression ?? 'zstd';
  if (!Object.hasOwn(CODECS, compression)) {
    throw invalidFields([
      {
        field: 'options.parquetCompression',
        rule: `must be one of ${Object.keys(CODECS).join(', ')}, not ${JSON.stringify(compression)}`,
      },
    ]);
  }
  return { rowGroupRows: rows, compression };
}

/**
 * A fresh WriterProperties per file: parquet-wasm takes ownership of it. Dictionary encoding stays on (the
 * writer falls back to plain per column chunk when a dictionary stops paying), statistics stay at the
 * default (per page), the format version stays 1.0 data pages, which every reader in use accepts, and
 * `created_by` stays parquet-rs's own, which readers consult to work around known writer bugs.
 */
export function writerProperties({ rowGroupRows, compression }: ParquetSettings): WriterProperties {
  return new WriterPropertiesBuilder()
    .setCompression(CODECS[compression])
    .setMaxRowGroupSize(rowGroupRows)
    .setMaxRowGroupBytes(MAX_ROW_GROUP_BYTES)
    .build();
}
