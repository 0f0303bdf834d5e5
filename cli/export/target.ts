import type { Sink } from '../../sinks/sink.ts';

/** Where `--out` sends the bytes, resolved once before the export starts. */
export interface OutputTarget {
  /** stdout and devices are written directly; files beside and renamed; S3 by multipart upload. */
  kind: 'stdout' | 'device' | 'file' | 's3';
  sink: Sink;
  key: string;
  /** For messages: the path, `s3://…` or `-`. */
  display: string;
  /** --no-clobber's early check (the commit checks again, atomically for files). */
  assertAbsent(): Promise<void>;
  /** Releases clients the sink holds. */
  close(): void;
}
