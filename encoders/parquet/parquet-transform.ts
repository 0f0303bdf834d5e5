import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import { SluiceError } from '../../core/errors.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
import { Table, tableToIPC } from 'apache-arrow';
import { createRecordBatchBuilder } from '../arrow/record-batch-builder.ts';
import { startParquetThread, type ParquetThread } from './parquet-thread-client.ts';
import { parquetSettings } from './writer-properties.ts';

/**
 * Rows are gathered into Arrow record batches ("slices") of up to this many rows and handed to the writer,
 * which cuts row groups of `rowGroupRows` from them. Each hand-over crosses into WebAssembly once (an IPC
 * copy); bench/encoders.ts measured 16k and 64k slices alike (~530k rows/s).
 */
export const SLICE_ROWS = 65_536;
/**
 * …or this many bytes, whichever comes first: the slice is copied into the WebAssembly heap, and the
 * writer checks its row-group byte limit (writer-properties.ts) only between slices.
 */
const SLICE_BYTES = 4 * 1024 * 1024;

/**
 * Parquet through parquet-wasm (chosen by bench/parquet-writers.ts: fastest on Node 20, the only candidate
 * with zstd and every type we need, and it streams a row group at a time), in a worker thread
 * (parquet-thread-client.ts) while this thread decodes and builds the next slice. Column types come from
 * encoders/arrow/arrow-schema.ts. The file streams: a row group's bytes are pushed as soon as the writer
 * finishes it; memory holds one slice being built, one in flight, and one compressed row group inside the
 * writer.
 */
function createParquetTransform(columns: Column[], options: EncoderOptions): Transform {
  const settings = parquetSettings(options);
  const sliceRows = Math.min(settings.rowGroupRows, SLICE_ROWS);
  const builder = createRecordBatchBuilder(columns, { capacity: sliceRows });
  let thread: ParquetThread | null = null;
  let handedOver = false;

  const open = (): ParquetThread =>
    (thread ??= startParquetThread(settings, (bytes) => {
      if (!transform.destroyed) transform.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }));
  const handOver = async (): Promise<void> => {
    // The slice as IPC bytes (a copy: the builder reuses its arrays), moved to the encoder thread.
    const ipc = tableToIPC(new Table(builder.flush()), 'stream');
    await open().write(ipc);
    handedOver = true;
  };

  async function encode(batch: RowBatch): Promise<void> {
    for (const row of batch) {
      builder.append(row);
      if (builder.length === sliceRows || builder.byteLength >= SLICE_BYTES) {
        await handOver();
      }
    }
  }

  async function finish(): Promise<void> {
    // An empty result still makes a valid file with its schema: a zero-row batch tells the writer.
    if (builder.length > 0 || !handedOver) await handOver();
    await open().end();
  }

  const transform = new Transform({
    writableObjectMode: true,
    // transform() waits on the writer, so incoming batches queue meanwhile; as JS row arrays they are the
    // heaviest thing in the process (several times their Arrow size), so let few of them wait.
    writableHighWaterMark: 2,
    transform(batch: RowBatch, _enc, callback) {
      encode(batch).then(() => callback(), callback);
    },
    flush(callback) {
      finish().then(() => callback(), callback);
    },
    destroy(err, callback) {
      // Stops the encoder thread, which otherwise would wait for input forever, holding on to its row
      // group. (After a normal end this does nothing.)
      thread?.abort(err ?? new SluiceError('ENCODER_FAILED', 'the Parquet encoder was closed early'));
      callback(err);
    },
  });
  return transform;
}

export const parquetEncoder: EncoderSpec = {
  format: 'parquet',
  contentType: 'application/vnd.apache.parquet',
  extension: 'parquet',
  create: createParquetTransform,
};
