import { once } from 'node:events';
import { Writable } from 'node:stream';
import { SluiceError } from '../../core/errors.ts';
import type { StoredObject } from '../../sinks/sink.ts';
import type { Chunker } from './chunkers.ts';

/** One output file while it is written: its first stage, and its commit. */
export interface OpenFile {
  /** The entry of the file's own pipeline (encoder → compression → object writer). */
  input: Writable;
  /** The stored object once `input` has ended; rejects only after an aborted upload is cleaned up. */
  done: Promise<StoredObject>;
  /** Bytes handed to the object writer so far (after compression). */
  storedBytes(): number;
}

export interface SplitLimits {
  /** Infinity for no limit. */
  maxRows: number;
  /** Infinity for no limit. */
  maxBytes: number;
  /** Files one stream may write; MAX_FILES_PER_STREAM unless given. */
  maxFiles?: number;
}

/**
 * Every file is an object, an upload and a manifest entry: a split that would write more than this many
 * files from one stream fails (REQUEST_INVALID naming the split options) and deletes what it wrote.
 */
export const MAX_FILES_PER_STREAM = 10_000;

export interface SplitFile {
  stored: StoredObject;
  rows: number;
}

export interface FileSplitterOptions<T> {
  chunker: Chunker<T>;
  limits: SplitLimits;
  open: () => OpenFile;
  onFile: (file: SplitFile) => void;
  /** Rows handed to a file: the progress count, for byte input (engine-written CSV) as for row batches. */
  onRows?: (rows: number) => void;
}

/**
 * Object-mode Writable that spreads one stream of rows over as many files as the limits ask, each a
 * complete file of its format (its own encoder, header, footer, compression). A file closes when it holds
 * `maxRows` rows, or at the first row boundary after its stored bytes reach `maxBytes` — columnar encoders
 * write a row group at a time, so their files may pass the size by up to a row group. Backpressure runs
 * through: a write resolves once the current file's pipeline has taken it.
 *
 * On failure or abort the open file's upload is aborted; files already finished were handed to `onFile`
 * and are the caller's to delete (it alone knows whether sibling streams or the manifest failed).
 * `settled` resolves once nothing is in flight any more, whatever happened.
 */
export class FileSplitter<T> extends Writable {
  readonly settled: Promise<void>;
  #settle!: () => void;
  readonly #o: FileSplitterOptions<T>;
  #current: { file: OpenFile; rows: number } | undefined;
  #files = 0;

  constructor(options: FileSplitterOptions<T>) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#o = options;
    this.settled = new Promise((resolve) => (this.#settle = resolve));
  }

  override _write(unit: T, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.#write(unit).then(() => callback(), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    // An empty result still yields one file (a CSV header, an empty Parquet file): readers see the columns.
    if (this.#files === 0 && !this.#current) this.#current = this.#open();
    this.#close().then(
      () => {
        this.#settle();
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _destroy(error: Error | null, callback: (err?: Error | null) => void): void {
    const current = this.#current;
    this.#current = undefined;
    // An input that has already ended (the file is committing) is left to finish; onFile records it.
    if (current && !current.file.input.writableEnded) {
      current.file.input.destroy(error ?? new Error('split export stopped'));
    }
    Promise.resolve(current?.file.done)
      .catch(() => {})
      .then(() => {
        this.#settle();
        callback(error);
      });
  }

  async #write(unit: T): Promise<void> {
    const { chunker, limits } = this.#o;
    let rest: T | undefined = unit;
    while (rest !== undefined && !chunker.isEmpty(rest)) {
      let current = (this.#current ??= this.#open());
      let room = limits.maxRows - current.rows;
      let finishingRow = false;
      if (current.rows > 0 && current.file.storedBytes() >= limits.maxBytes) {
        if (chunker.atRowBoundary()) {
          await this.#close();
          current = this.#current = this.#open();
          room = limits.maxRows;
        } else {
          room = 1; // finish the open row in this file, then move on
          finishingRow = true;
        }
      }
      const taken = chunker.take(rest, room);
      if (!chunker.isEmpty(taken.head)) await this.#feed(current.file, taken.head);
      current.rows += taken.rows;
      if (taken.rows > 0) this.#o.onRows?.(taken.rows);
      rest = taken.rest;
      if (current.rows >= limits.maxRows || (finishingRow && taken.rows === 1)) await this.#close();
    }
  }

  async #feed(file: OpenFile, head: T): Promise<void> {
    if (file.input.write(head)) return;
    // 'drain' never comes if the file's pipeline failed; its `done` rejects then instead.
    await Promise.race([once(file.input, 'drain'), file.done]);
    if (this.destroyed) throw new Error('split export stopped');
  }

  #open(): { file: OpenFile; rows: number } {
    // Destroyed while a write was waiting: no new file may start after the cleanup has begun.
    if (this.destroyed) throw new Error('split export stopped');
    const maxFiles = this.#o.limits.maxFiles ?? MAX_FILES_PER_STREAM;
    if (this.#files >= maxFiles) {
      throw new SluiceError(
        'REQUEST_INVALID',
        `the export would write more than ${maxFiles} files; raise options.maxRowsPerFile or options.maxFileSizeMiB`,
        {
          details: {
            errors: [
              { field: 'options.maxRowsPerFile', rule: `at most ${maxFiles} files per export stream` },
            ],
          },
        },
      );
    }
    this.#files++;
    const current = { file: this.#o.open(), rows: 0 };
    // Registered the moment it commits (this callback runs before any other awaiting the same promise), so
    // a file that commits while the splitter is being destroyed is still known to the caller's cleanup.
    current.file.done.then(
      (stored) => this.#o.onFile({ stored, rows: current.rows }),
      () => {},
    );
    return current;
  }

  async #close(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    current.file.input.end();
    await current.file.done;
    if (this.#current === current) this.#current = undefined;
    if (this.destroyed) throw new Error('split export stopped');
  }
}
