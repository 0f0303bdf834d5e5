import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { SluiceError } from '../core/errors.ts';
import { Digest } from './digest.ts';
import type { ObjectWriter, Sink, StoredObject, WriteOptions } from './sink.ts';

/**
 * Where a file cannot be written beside and renamed into place: standard output, a terminal, a pipe, a
 * device. Bytes go straight to it, so a failed export leaves what was written so far there (a reader of a
 * pipe sees the stream stop); there is no partial file to remove and nothing is ever renamed over a device.
 */
export type DirectDestination =
  { kind: 'stdout'; stream: NodeJS.WritableStream } | { kind: 'path'; path: string };

export function createDirectSink(destination: DirectDestination): Sink {
  return {
    kind: 'direct',
    createWriter(key: string, options: WriteOptions): ObjectWriter {
      return new DirectWriter(destination, key, options);
    },
    async remove(): Promise<void> {
      throw new SluiceError('SINK_UNSUPPORTED', 'a stream or device cannot take back what it was sent');
    },
  };
}

class DirectWriter extends Writable implements ObjectWriter {
  readonly stored: Promise<StoredObject>;
  #resolve!: (o: StoredObject) => void;
  #reject!: (e: unknown) => void;
  #digest = new Digest();
  #file: FileHandle | undefined;

  constructor(
    readonly destination: DirectDestination,
    readonly key: string,
    readonly options: WriteOptions,
  ) {
    super();
    this.stored = new Promise((res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    });
    this.stored.catch(() => {}); // the stream's own 'error' reports it
  }

  override _construct(callback: (err?: Error | null) => void): void {
    if (this.destination.kind === 'stdout') return callback();
    // 'w' truncates nothing on a device or a pipe; opening a FIFO waits for its reader, off the event loop.
    open(this.destination.path, 'w').then((fh) => {
      this.#file = fh;
      callback();
    }, callback);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.#digest.update(chunk);
    if (this.#file) {
      this.#file.write(chunk).then(() => callback(), callback);
      return;
    }
    const stream = (this.destination as { stream: NodeJS.WritableStream }).stream;
    // The callback fires once the chunk is handed to the OS (or failed, e.g. EPIPE): backpressure for free.
    stream.write(chunk, (err) => callback(err ?? null));
  }

  override _final(callback: (err?: Error | null) => void): void {
    Promise.resolve(this.#file?.close()).then(() => {
      this.#file = undefined;
      this.#resolve({
        uri: this.destination.kind === 'stdout' ? 'stdout:' : pathToFileURL(this.destination.path).href,
        key: this.key,
        bytes: this.#digest.bytes,
        sha256: this.#digest.hex(),
        contentType: this.options.contentType,
      });
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (err?: Error | null) => void): void {
    const file = this.#file;
    this.#file = undefined;
    Promise.resolve(file?.close())
      .catch(() => {})
      .then(() => {
        this.#reject(
          error ?? new SluiceError('SINK_WRITE_FAILED', 'write was destroyed before it completed'),
        );
        callback(error);
      });
  }
}
