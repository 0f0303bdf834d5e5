import type { Writable } from 'node:stream';

/** What was stored: enough to fetch it again and to prove it is the same bytes. */
export interface StoredObject {
  /** file:///… or s3://bucket/key */
  uri: string;
  key: string;
  bytes: number;
  sha256: string;
  contentType: string;
  etag?: string;
}

/**
 * A Writable that commits in `_final` (rename into place, complete the multipart upload) and aborts in
 * `_destroy(err)`, so an object is either whole or absent. `stored` resolves after the commit, or rejects
 * after the abort has finished — not before, so awaiting it after a failed pipeline() means the cleanup
 * is done.
 */
export interface ObjectWriter extends Writable {
  readonly stored: Promise<StoredObject>;
}

export interface WriteOptions {
  contentType: string;
}

export interface Sink {
  readonly kind: string;
  createWriter(key: string, options: WriteOptions): ObjectWriter;
  /**
   * Deletes a committed object; a key that does not exist is not an error. For split exports, whose
   * finished files must go again when a later file or the manifest fails.
   */
  remove(key: string): Promise<void>;
}

/**
 * Hears about a writer's multipart upload: `opened` once the store gave it an id (before any part goes up;
 * a rejection fails the write), `closed` once it is completed or aborted. A job records the ids, so a
 * takeover or the orphan sweep can abort an upload whose writer died.
 */
export interface UploadTracker {
  opened(key: string, uploadId: string): Promise<void>;
  closed(key: string, uploadId: string): Promise<void>;
}
