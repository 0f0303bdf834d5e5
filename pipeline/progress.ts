import { Transform } from 'node:stream';
import type { RowBatch } from '../dialects/source.ts';

export interface Progress {
  rows: number;
  bytes: number;
  elapsedMs: number;
  /** When the first encoded byte came out, in ms since the start; unset until then. */
  firstByteMs?: number;
}

export type ProgressListener = (progress: Progress) => void;

/**
 * Two pass-through taps on the export pipeline, one counting rows before the encoder and one counting bytes
 * after it. Listeners hear at most once per `intervalMs`, plus once at the end.
 */
export function createProgressMeter(listener: ProgressListener | undefined, intervalMs = 500) {
  const started = performance.now();
  const progress: Progress = { rows: 0, bytes: 0, elapsedMs: 0 };
  let lastReport = started;

  const report = (force: boolean): void => {
    const now = performance.now();
    if (!listener || (!force && now - lastReport < intervalMs)) return;
    lastReport = now;
    progress.elapsedMs = now - started;
    listener({ ...progress });
  };

  // The first byte is reported at once, whatever the interval: time to first byte is a figure of its own.
  const addBytes = (n: number): void => {
    const first = progress.bytes === 0 && n > 0;
    progress.bytes += n;
    if (first) {
      progress.firstByteMs = performance.now() - started;
      report(true);
    }
  };

  const rows = new Transform({
    objectMode: true,
    // A batch is thousands of rows: Node's default of 16 objects per side would hold 32 of them.
    highWaterMark: 1,
    transform(batch: RowBatch, _enc, callback) {
      progress.rows += batch.length;
      report(false);
      callback(null, batch);
    },
  });

  const bytes = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      addBytes(chunk.byteLength);
      callback(null, chunk);
    },
    flush(callback) {
      report(true);
      callback();
    },
  });

  /** For byte streams whose rows are counted elsewhere (engine-written CSV). */
  const countRows = (n: number): void => {
    progress.rows += n;
    report(false);
  };

  /** For split exports, whose files each have their own byte stream. */
  const countBytes = (n: number): void => addBytes(n);

  return {
    rows,
    bytes,
    countRows,
    countBytes,
    /** Reports the final figures (split exports have no single byte stream whose end would). */
    finish: () => report(true),
    snapshot: (): Progress => ({ ...progress, elapsedMs: performance.now() - started }),
  };
}
