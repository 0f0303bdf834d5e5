import { Worker } from 'node:worker_threads';
import { SluiceError, type ErrorCode } from '../../core/errors.ts';
import type { FromThread, ToThread } from './parquet-thread.ts';
import type { ParquetSettings } from './writer-properties.ts';

/**
 * One Parquet file encoded by parquet-wasm in a worker thread (parquet-thread.ts), so the WebAssembly
 * encoding (a third of a Parquet export's CPU) runs on another core beside the main thread's decoding and
 * batch building. Batches cross as Arrow IPC stream bytes, transferred, not copied; file bytes come back
 * the same way.
 *
 * Backpressure: write() resolves only once the writer has taken the batch, which it does after encoding
 * the previous one, so at most one batch is being encoded and one waits. Abort terminates the thread (its
 * WebAssembly memory with it); a failure in the thread rejects the pending and every later call.
 */
export interface ParquetThread {
  write(ipc: Uint8Array): Promise<void>;
  /** Resolves after the last row group and the footer went to onBytes; the thread is then gone. */
  end(): Promise<void>;
  abort(reason: Error): void;
}

export function startParquetThread(
  settings: ParquetSettings,
  onBytes: (bytes: Uint8Array) => void,
): ParquetThread {
  const worker = spawn(settings);
  let waiter: { resolve: () => void; reject: (err: Error) => void } | null = null;
  let failure: Error | null = null;
  let done = false;

  const fail = (err: Error): void => {
    if (failure || done) return;
    failure = err;
    waiter?.reject(err);
    waiter = null;
    void worker.terminate();
  };
  const settle = (): void => {
    const w = waiter;
    waiter = null;
    w?.resolve();
  };
  worker.on('message', (m: FromThread) => {
    if (m.kind === 'bytes') {
      if (!failure) onBytes(m.bytes);
    } else if (m.kind === 'taken') {
      settle();
    } else if (m.kind === 'ended') {
      done = true;
      void worker.terminate();
      settle();
    } else {
      fail(new SluiceError((m.code ?? 'ENCODER_FAILED') as ErrorCode, m.message));
    }
  });
  worker.on('error', (err) =>
    fail(
      new SluiceError('ENCODER_FAILED', `the Parquet encoder thread failed: ${err.message}`, { cause: err }),
    ),
  );
  worker.on('exit', (code) => {
    if (!done)
      fail(new SluiceError('ENCODER_FAILED', `the Parquet encoder thread stopped (exit code ${code})`));
  });

  const send = (message: ToThread, transfer: ArrayBuffer[]): Promise<void> => {
    if (failure) return Promise.reject(failure);
    if (waiter || done) return Promise.reject(new SluiceError('INTERNAL_ERROR', 'Parquet thread misused'));
    const settled = new Promise<void>((resolve, reject) => (waiter = { resolve, reject }));
    worker.postMessage(message, transfer);
    return settled;
  };

  return {
    write(ipc) {
      // Only a buffer the bytes own alone is moved; tableToIPC's output always is one.
      const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength;
      return send({ kind: 'batch', ipc }, own ? [ipc.buffer as ArrayBuffer] : []);
    },
    end: () => send({ kind: 'end' }, []),
    abort: fail,
  };
}

/**
 * Compiled (dist/), the thread runs parquet-thread.js. From the TypeScript sources (tsx, tests) it starts at
 * parquet-thread-boot.mjs, which registers tsx in the thread (threads start without the main thread's hooks).
 */
function spawn(settings: ParquetSettings): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(`./parquet-thread.${fromSources ? 'ts' : 'js'}`, import.meta.url);
  const workerData = { settings, entry: entry.href };
  return new Worker(fromSources ? new URL('./parquet-thread-boot.mjs', import.meta.url) : entry, {
    workerData,
  });
}
