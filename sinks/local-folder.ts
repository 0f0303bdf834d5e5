import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { SluiceError } from '../core/errors.ts';
import { Digest } from './digest.ts';
import type { ObjectWriter, Sink, StoredObject, WriteOptions } from './sink.ts';

export interface LocalFolderSinkOptions {
  root: string;
}

/** The embedded default's object store: a folder, with the same all-or-nothing commit as S3 multipart. */
export function createLocalFolderSink({ root }: LocalFolderSinkOptions): Sink {
  const base = resolve(root);
  const pathOf = (key: string): string => {
    const target = resolve(base, key);
    if (!target.startsWith(base + sep)) {
      throw new SluiceError('REQUEST_INVALID', `object key ${JSON.stringify(key)} escapes the sink folder`, {
        details: { key },
      });
    }
    return target;
  };
  return {
    kind: 'file',
    createWriter(key: string, options: WriteOptions): ObjectWriter {
      return new LocalFileWriter(pathOf(key), key, options);
    },
    async remove(key: string): Promise<void> {
      await rm(pathOf(key), { force: true });
    },
  };
}

class LocalFileWriter extends Writable implements ObjectWriter {
  readonly stored: Promise<StoredObject>;
  #resolve!: (o: StoredObject) => void;
  #reject!: (e: unknown) => void;
  #file: FileHandle | undefined;
  #digest = new Digest();
  // Written beside the target and renamed into place on commit: readers never see a partial file.
  readonly #temp: string;
  #committed = false;

  constructor(
    readonly target: string,
    readonly key: string,
    readonly options: WriteOptions,
  ) {
    super();
    this.#temp = join(dirname(target), `.${randomBytes(6).toString('hex')}.partial`);
    this.stored = new Promise((res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    });
    this.stored.catch(() => {}); // the stream's own 'error' reports it; this promise is for whoever awaits
  }

  override _construct(callback: (err?: Error | null) => void): void {
    mkdir(dirname(this.target), { recursive: true })
      .then(() => open(this.#temp, 'w'))
      .then((fh) => {
        this.#file = fh;
        callback();
      }, callback);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.#digest.update(chunk);
    this.#file!.write(chunk).then(() => callback(), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    const file = this.#file!;
    file
      .close()
      .then(() => rename(this.#temp, this.target))
      .then(
        () => {
          this.#file = undefined;
          this.#committed = true;
          this.#resolve({
            uri: pathToFileURL(this.target).href,
            key: this.key,
            bytes: this.#digest.bytes,
            sha256: this.#digest.hex(),
            contentType: this.options.contentType,
          });
          callback();
        },
        (err: unknown) => callback(wrap(err, this.target)),
      );
  }

  override _destroy(error: Error | null, callback: (err?: Error | null) => void): void {
    if (this.#committed) return callback(error);
    const failure = error ?? new SluiceError('SINK_WRITE_FAILED', 'write was destroyed before it completed');
    const file = this.#file;
    this.#file = undefined;
    Promise.resolve(file?.close())
      .catch(() => {})
      .then(() => rm(this.#temp, { force: true }))
      .catch(() => {})
      .then(() => {
        // Rejected only after the partial file is gone; see MultipartWriter for why that order matters.
        this.#reject(failure);
        callback(error);
      });
  }
}

function wrap(err: unknown, target: string): Error {
  return new SluiceError('SINK_WRITE_FAILED', `could not write ${target}: ${(err as Error).message}`, {
    cause: err,
    retriable: true,
  });
}
