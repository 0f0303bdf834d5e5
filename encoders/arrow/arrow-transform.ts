import { Transform } from 'node:stream';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../encoder.ts';
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
function createArrowTransform(columns: Column[], { recordBatchRows }: EncoderOptions): Transform {
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
  let started = false;

  const take = (out: Buffer[]): void => {
    const batch = builder.flush();
    if (batch.numRows === 0) return;
    if (!started) {
      out.push(asBuffer(ipc.schemaMessage));
      started = true;
    }
    out.push(asBuffer(ipc.encodeBatch(batch)));
  };

  return new Transform({
    writableObjectMode: true,
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
      if (!started) out.push(asBuffer(ipc.schemaMessage));
      out.push(asBuffer(ipc.endOfStream));
      for (const chunk of out) this.push(chunk);
      callback();
    },
  });
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const arrowEncoder: EncoderSpec = {
  format: 'arrow',
  contentType: 'application/vnd.apache.arrow.stream',
  extension: 'arrows',
  create: createArrowTransform,
};
