import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { createIpcFileFraming } from './ipc-file.ts';
import { createIpcStream } from './ipc-stream.ts';
import { createRecordBatchBuilder } from './record-batch-builder.ts';
import { invalidFields } from '../../schemas/parse-contract.ts';

/** Readers handle record batches of tens of thousands of rows best; sources hand over a few thousand. */
export const DEFAULT_RECORD_BATCH_ROWS = 65_536;
/** The builder allocates its fixed-width arrays for this many rows up front. */
const MAX_RECORD_BATCH_ROWS = 1_048_576;
/**
 * A record batch also closes at this size, so wide rows keep memory bounded too: the batch is held once in
 * the builder and once more as its IPC bytes until the consumer takes them.
 */
const MAX_RECORD_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Arrow IPC stream: the schema message, one record batch per `recordBatchRows` rows (input batches are
 * coalesced, or split when larger), then the end-of-stream marker. An empty result is the schema and EOS.
 * Each record batch's bytes are pushed in the transform call that completed it, so the stream's own
 * backpressure holds the source back.
 */
function createArrowTransform(
  columns: Column[],
  { recordBatchRows }: EncoderOptions,
  layout: 'stream' | 'file',
): Transform {
  const capacity = recordBatchRows ?? DEFAULT_RECORD_BATCH_ROWS;
  if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_RECORD_BATCH_ROWS) {
    throw invalidFields([
      {
        field: 'options.recordBatchRows',
        rule: `must be an integer from 1 to ${MAX_RECORD_BATCH_ROWS}, not ${recordBatchRows}`,
      },
    ]);
  }
  const builder = createRecordBatchBuilder(columns, { capacity });
  const ipc = createIpcStream(builder.schema);
  const file = layout === 'file' ? createIpcFileFraming(builder.schema) : undefined;
  let started = false;

  const start = (out: Buffer[]): void => {
    if (file) out.push(asBuffer(file.prefix));
    file?.message(ipc.schemaMessage, 'schema');
    out.push(asBuffer(ipc.schemaMessage));
    started = true;
  };

  const take = (out: Buffer[]): void => {
    const batch = builder.flush();
    if (batch.numRows === 0) return;
    if (!started) start(out);
    const bytes = ipc.encodeBatch(batch);
    file?.message(bytes, 'batch');
    out.push(asBuffer(bytes));
  };

  return new Transform({
    writableObjectMode: true,
    // Few row batches wait here (the default is 16): they are large, and each one queued is old-generation heap.
    writableHighWaterMark: 2,
    transform(batch: RowBatch, _enc, callback) {
      const out: Buffer[] = [];
      try {
        for (const row of batch) {
          builder.append(row);
          if (builder.length === capacity || builder.byteLength >= MAX_RECORD_BATCH_BYTES) {
            take(out);
          }
        }
      } catch (err) {
        callback(err as Error);
        return;
      }
      for (const chunk of out) this.push(chunk);
      callback();
    },
    flush(callback) {
      const out: Buffer[] = [];
      try {
        take(out);
      } catch (err) {
        callback(err as Error);
        return;
      }
      if (!started) start(out);
      file?.message(ipc.endOfStream, 'eos');
      out.push(asBuffer(ipc.endOfStream));
      if (file) out.push(asBuffer(file.trailer()));
      for (const chunk of out) this.push(chunk);
      callback();
    },
  });
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The IPC stream format: readable as it arrives (pyarrow.ipc.open_stream, Arrow JS, DuckDB's arrow reader). */
export const arrowEncoder: EncoderSpec = {
  format: 'arrow',
  contentType: 'application/vnd.apache.arrow.stream',
  extension: 'arrows',
  create: (columns, options) => createArrowTransform(columns, options, 'stream'),
};

/**
 * The IPC file format (`.arrow`, Feather v2): random access through its footer, what pyarrow.ipc.open_file,
 * pyarrow.feather, Polars' read_ipc, R arrow::read_feather and Arrow JS's file reader expect.
 */
export const arrowFileEncoder: EncoderSpec = {
  format: 'arrow-file',
  contentType: 'application/vnd.apache.arrow.file',
  extension: 'arrow',
  create: (columns, options) => createArrowTransform(columns, options, 'file'),
};
