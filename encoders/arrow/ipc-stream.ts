import { Table, tableToIPC, type RecordBatch, type Schema } from 'apache-arrow';
import { SluiceError } from '../../core/errors.ts';

/**
 * The Arrow IPC stream format, a message at a time: the schema message, then one record batch message per
 * batch, then the end-of-stream marker (continuation 0xFFFFFFFF + length 0). Arrow JS's RecordBatchWriter
 * queues bytes internally and its Node stream acknowledges writes at once, so the encoder could not hold
 * back the source through it; here every batch becomes its bytes synchronously and the Transform pushes them.
 *
 * Only public API is used: tableToIPC of a one-batch table is `schema message + batch message + EOS`, and the
 * schema message is the same bytes every time (no dictionaries), so the batch's bytes are what lies between.
 */
export interface IpcStream {
  /** The stream's first message. */
  readonly schemaMessage: Uint8Array;
  /** One record batch's metadata and body, without schema or EOS (a view on a fresh buffer). */
  encodeBatch(batch: RecordBatch): Uint8Array;
  readonly endOfStream: Uint8Array;
}

const END_OF_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

export function createIpcStream(schema: Schema): IpcStream {
  const empty = tableToIPC(new Table(schema), 'stream');
  const schemaMessage = empty.subarray(0, empty.byteLength - END_OF_STREAM.byteLength);
  const schemaBytes = Buffer.from(schemaMessage.buffer, schemaMessage.byteOffset, schemaMessage.byteLength);
  return {
    schemaMessage,
    encodeBatch(batch) {
      const whole = tableToIPC(new Table(batch), 'stream');
      const end = whole.byteLength - END_OF_STREAM.byteLength;
      // Cheap (a few hundred bytes), and it turns a silent framing change in a future arrow release into a
      // loud one.
      if (!schemaBytes.equals(whole.subarray(0, schemaMessage.byteLength)) || whole[end] !== 0xff) {
        throw new SluiceError(
          'ENCODER_FAILED',
          'Arrow IPC framing changed: the schema message differs per batch',
        );
      }
      return whole.subarray(schemaMessage.byteLength, end);
    },
    endOfStream: END_OF_STREAM,
  };
}
