import { Table as ArrowTable, tableToIPC, type RecordBatch } from 'apache-arrow';
import {
  Table as WasmTable,
  transformParquetStream,
  type RecordBatch as WasmRecordBatch,
  type WriterProperties,
} from 'parquet-wasm';
import { SluiceError } from '../../core/errors.ts';

/**
 * One Parquet file being written by parquet-wasm (Rust's arrow-rs writer compiled to WebAssembly), a batch
 * at a time, with nothing buffered beyond what the writer needs.
 *
 * parquet-wasm's only incremental writer is `transformParquetStream`: a web ReadableStream of record batches
 * in, a ReadableStream of file bytes out, driven by a task inside the module. Two things keep it bounded:
 * - The input stream has highWaterMark 0, so the writer *pulls*; write() hands a batch over only once the
 *   writer asks, which it does after it has encoded the previous one. At most one batch waits at a time.
 * - Output bytes (a row group when it completes, the footer at the end) are read while waiting for that
 *   pull, and handed to `onBytes`. The writer cannot move on while its bytes are unread, so reading has to
 *   happen during the wait: waiting for the pull alone would deadlock at the first full row group.
 *
 * No Node streams here; parquet-transform.ts turns this into the encoder's Transform.
 */
export interface ParquetSession {
  /** Resolves once the writer has taken `batch`; file bytes produced meanwhile went to onBytes. */
  write(batch: RecordBatch): Promise<void>;
  /** The same for a batch already in the Arrow IPC stream format (schema message, batches, EOS). */
  writeIpc(ipc: Uint8Array): Promise<void>;
  /** No more batches: resolves after the last row group and the footer went to onBytes. */
  end(): Promise<void>;
  /** Stops the writer; pending and later calls reject with `reason`. Does nothing once end() resolved. */
  abort(reason: Error): void;
}

interface Pull {
  controller: ReadableStreamDefaultController<WasmRecordBatch>;
  resolve: () => void;
}

type ReadOutcome =
  { kind: 'bytes'; result: { done: boolean; value?: Uint8Array } } | { kind: 'settled' } | { kind: 'ready' };

export function openParquetSession(
  properties: WriterProperties,
  onBytes: (chunk: Uint8Array) => void,
): ParquetSession {
  let pull: Pull | null = null;
  let onPull: (() => void) | null = null;
  let failure: Error | null = null;
  let ended = false;

  const input = new ReadableStream<WasmRecordBatch>(
    {
      pull(controller) {
        if (failure) {
          // Aborted while the writer was busy: fail its next read so its task ends and frees the row group.
          controller.error(failure);
          return;
        }
        return new Promise<void>((resolve) => {
          pull = { controller, resolve };
          onPull?.();
        });
      },
    },
    { highWaterMark: 0 },
  );
  // The writer starts reading `input` at once, but the output stream only exists once it has seen the first
  // batch (it needs the schema), so the first write() must hand over without waiting for it.
  type Reader = ReadableStreamDefaultReader<Uint8Array>;
  let reader: Reader | null = null;
  const output = transformParquetStream(input, properties).then(
    (stream: ReadableStream<Uint8Array>) => (reader = stream.getReader()),
  );
  output.catch(() => {}); // surfaced by the next pump; never an unhandled rejection meanwhile
  let pendingRead: Promise<ReadOutcome> | null = null;

  /** Resolves when the writer is waiting for input (now, or once it asks). */
  function writerWants(): Promise<void> {
    if (pull || failure) return Promise.resolve();
    return new Promise((resolve) => {
      onPull = () => {
        onPull = null;
        resolve();
      };
    });
  }

  /** Forwards file bytes until `until` settles, or with `until` null until the output ends. */
  async function pump(until: Promise<void> | null): Promise<void> {
    const settled = until?.then((): ReadOutcome => ({ kind: 'settled' }));
    for (;;) {
      if (failure) throw failure;
      if (!reader) {
        const ready = output.then((): ReadOutcome => ({ kind: 'ready' }));
        if ((settled ? await Promise.race([settled, ready]) : await ready).kind === 'settled') return;
        continue;
      }
      pendingRead ??= reader.read().then((result): ReadOutcome => ({ kind: 'bytes', result }));
      const next = settled ? await Promise.race([settled, pendingRead]) : await pendingRead;
      if (failure) throw failure;
      if (next.kind === 'settled') return;
      if (next.kind !== 'bytes') continue;
      pendingRead = null; // consumed; the next loop reads again
      const { done, value } = next.result;
      if (done || !value) {
        if (!until) return;
        throw new SluiceError('ENCODER_FAILED', 'the Parquet writer stopped before its input ended');
      }
      onBytes(value);
    }
  }

  async function takePull(): Promise<Pull> {
    await pump(writerWants());
    if (failure) throw failure;
    const taken = pull!;
    pull = null;
    return taken;
  }

  return {
    write(batch) {
      // Arrow JS → WebAssembly through the IPC stream format: parquet-wasm's documented path, one copy.
      return this.writeIpc(tableToIPC(new ArrowTable(batch), 'stream'));
    },
    async writeIpc(ipc) {
      const { controller, resolve } = await takePull();
      const table = WasmTable.fromIPCStream(ipc);
      try {
        for (const wasmBatch of table.recordBatches()) controller.enqueue(wasmBatch);
      } finally {
        table.free();
        resolve();
      }
    },
    async end() {
      const { controller, resolve } = await takePull();
      controller.close();
      resolve();
      await pump(null);
      ended = true;
    },
    abort(reason) {
      if (failure || ended) return;
      failure = reason;
      if (pull) {
        pull.controller.error(reason); // the writer's task sees its input fail and drops its state
        pull.resolve();
        pull = null;
      }
      onPull?.();
      output.then((r) => r.cancel(reason)).catch(() => {});
    },
  };
}
