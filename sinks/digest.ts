import { createHash, type Hash } from 'node:crypto';

/** Counts and hashes bytes on their way to storage, so the completion event can prove what was stored. */
export class Digest {
  #hash: Hash = createHash('sha256');
  bytes = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  hex(): string {
    return this.#hash.digest('hex');
  }
}
