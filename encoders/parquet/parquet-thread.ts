import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { isSluiceError } from '../../core/errors.ts';
import { openParquetSession } from './parquet-session.ts';
import { writerProperties, type ParquetSettings } from './writer-properties.ts';

/**
 * The worker-thread side of parquet-thread-client.ts: one Parquet file, encoded by parquet-wasm off the
 * main thread. Messages are handled strictly in order (each waits for the previous), so the writer never
 * sees two batches at once and `taken` acknowledges the batch the client is waiting on.
 *
 * In:  { kind: 'batch', ipc } (Arrow IPC stream bytes, transferred) · { kind: 'end' }
 * Out: { kind: 'bytes', bytes } (transferred) · { kind: 'taken' } · { kind: 'ended' } · { kind: 'failed', … }
 * Abort is the client terminating this thread: the WebAssembly memory goes with it.
 */
export type ToThread = { kind: 'batch'; ipc: Uint8Array } | { kind: 'end' };
export type FromThread =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'taken' }
  | { kind: 'ended' }
  | { kind: 'failed'; message: string; code?: string };

// Only a thread started by parquet-thread-client runs anything: imported elsewhere (a check that every
// compiled module loads, a bundler) this module is inert.
if (parentPort && workerData) serve(parentPort, (workerData as { settings: ParquetSettings }).settings);

function serve(port: MessagePort, settings: ParquetSettings): void {
  const send = (message: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

  const session = openParquetSession(writerProperties(settings), (bytes) => {
    // A view on a buffer of its own can move to the main thread without a copy; a view into a shared or
    // larger buffer is copied first, so nothing else is detached.
    const own =
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
        ? bytes
        : bytes.slice();
    send({ kind: 'bytes', bytes: own }, [own.buffer as ArrayBuffer]);
  });

  let queue = Promise.resolve();
  let failed = false;
  port.on('message', (message: ToThread) => {
    queue = queue.then(async () => {
      if (failed) return;
      try {
        if (message.kind === 'batch') {
          await session.writeIpc(message.ipc);
          send({ kind: 'taken' });
        } else {
          await session.end();
          send({ kind: 'ended' });
        }
      } catch (err) {
        failed = true;
        send({
          kind: 'failed',
          message: (err as Error).message ?? String(err),
          ...(isSluiceError(err) ? { code: err.code } : {}),
        });
      }
    });
  });
}
