import { Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isSluiceError, SluiceError } from '../../core/errors.ts';
import { Digest } from '../digest.ts';
import type { ObjectWriter, StoredObject, UploadTracker } from '../sink.ts';
import { MAX_PARTS, MIN_PART_SIZE, partSizeFor, partsInFlight } from './part-size.ts';
import { retryS3, type S3RetryPolicy } from './s3-retry.ts';
import { toSinkError } from './s3-errors.ts';

/** Object metadata naming the job record that wrote the object (x-amz-meta-sluice-owner). */
export const OWNER_METADATA = 'sluice-owner';

export interface MultipartWriterOptions {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  /** First part size; later parts grow (see part-size.ts). At least 5 MiB. */
  partSize: number;
  /**
   * Parts uploading at once while parts have their first size (fewer once they grow, see partsInFlight).
   * Memory is about partSize × (queueSize + 1), whatever the object size.
   */
  queueSize: number;
  /** How long one request is retried while the store is unreachable or failing with 5xx (s3-retry.ts). */
  retry?: S3RetryPolicy;
  /**
   * The job record writing the object. With it the object is written only if the key is free or holds an
   * object this same owner wrote (an earlier attempt of the job): conditional writes (If-None-Match: *), then
   * the existing object's owner metadata. Another owner's object is never replaced (OBJECT_EXISTS).
   */
  owner?: string;
  /** Told when the multipart upload opens and when it is gone, so whoever runs the job can record it. */
  tracker?: UploadTracker;
}

/**
 * A Writable that streams into an S3 multipart upload. Written instead of lib-storage's Upload because an
 * export needs (a) part sizes that grow, as its length is unknown until the end, and (b) an abort that has
 * finished — in-flight parts cancelled, AbortMultipartUpload acknowledged — before the stream reports it is
 * destroyed; Upload.abort() rejects at once and aborts later. Objects smaller than one part go up as a single
 * PutObject.
 */
export class MultipartWriter extends Writable implements ObjectWriter {
  readonly stored: Promise<StoredObject>;
  #resolve!: (o: StoredObject) => void;
  #reject!: (e: unknown) => void;
  readonly #o: MultipartWriterOptions;
  readonly #digest = new Digest();
  readonly #abort = new AbortController();
  // The part being filled, and part buffers whose upload has finished, kept for reuse: a fresh 8 MiB
  // allocation per part cost more CPU (page faults, GC) than the copy into it, and let RSS drift upwards.
  #part: Buffer | undefined;
  #filled = 0;
  #spare: Buffer[] = [];
  #nextPart = 1;
  #uploadId: Promise<string> | undefined;
  #parts: CompletedPart[] = [];
  #inFlight = new Set<Promise<void>>();
  #failure: unknown;
  #committed = false;
  #uploadClosed = false;

  constructor(options: MultipartWriterOptions) {
    // A write is acknowledged once buffered; the real brake is #waitForSlot when the part queue is full.
    super({ highWaterMark: MIN_PART_SIZE });
    if (options.partSize < MIN_PART_SIZE) {
      throw new SluiceError('CONFIG_INVALID', `partSize ${options.partSize} is below S3's minimum of 5 MiB`);
    }
    if (options.queueSize < 1) throw new SluiceError('CONFIG_INVALID', `queueSize must be at least 1`);
    this.#o = options;
    this.stored = new Promise((res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    });
    this.stored.catch(() => {}); // reported through the stream's 'error' as well
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.#digest.update(chunk);
    this.#append(chunk).then(
      () => callback(),
      (err: unknown) => callback(this.#sinkError(err)),
    );
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.#finish().then(
      (stored) => {
        this.#committed = true;
        this.#resolve(stored);
        callback();
      },
      (err: unknown) => callback(this.#sinkError(err)),
    );
  }

  override _destroy(error: Error | null, callback: (err?: Error | null) => void): void {
    if (this.#committed) return callback(error);
    const failure = error ?? new SluiceError('SINK_WRITE_FAILED', 'upload was destroyed before it completed');
    // `stored` rejects only once the abort is done: pipeline() rejects on the first error without waiting
    // for every stream's destroy, so callers await `stored` to know nothing is left behind.
    this.#abortUpload().then(
      () => {
        this.#reject(failure);
        callback(error);
      },
      (abortErr: unknown) => {
        this.#reject(failure);
        callback(error ?? this.#sinkError(abortErr));
      },
    );
  }

  async #append(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const part = (this.#part ??= this.#allocate(partSizeFor(this.#nextPart, this.#o.partSize)));
      const copied = chunk.copy(part, this.#filled, offset);
      this.#filled += copied;
      offset += copied;
      if (this.#filled === part.byteLength) {
        await this.#waitForSlot();
        this.#part = undefined;
        this.#filled = 0;
        this.#startPart(part, part);
      }
    }
  }

  #allocate(size: number): Buffer {
    const spare = this.#spare.pop();
    if (spare && spare.byteLength === size) return spare;
    this.#spare = []; // parts have grown: the smaller buffers are of no further use
    return Buffer.allocUnsafeSlow(size);
  }

  #release(buffer: Buffer): void {
    if (buffer.byteLength === partSizeFor(this.#nextPart, this.#o.partSize)) this.#spare.push(buffer);
  }

  async #finish(): Promise<StoredObject> {
    if (this.#uploadId === undefined) {
      // Never reached one full part: one PUT, nothing to abort later.
      const body = this.#part?.subarray(0, this.#filled) ?? Buffer.alloc(0);
      const res = await this.#unlessOwnedElsewhere((conditional) =>
        this.#send<{ ETag?: string }>(
          () =>
            new PutObjectCommand({
              Bucket: this.#o.bucket,
              Key: this.#o.key,
              Body: body,
              ContentType: this.#o.contentType,
              ...this.#ownerFields(),
              ...(conditional ? { IfNoneMatch: '*' } : {}),
            }),
          true,
        ),
      );
      return this.#storedObject(res.ETag);
    }
    if (this.#part && this.#filled > 0) {
      await this.#waitForSlot();
      this.#startPart(this.#part.subarray(0, this.#filled), this.#part);
      this.#part = undefined;
    }
    await this.#settleAll();
    if (this.#failure !== undefined) throw this.#failure;
    const uploadId = await this.#uploadId;
    this.#parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const res = await this.#unlessOwnedElsewhere((conditional) => this.#complete(uploadId, conditional));
    this.#uploadClosed = true;
    await this.#o.tracker?.closed(this.#o.key, uploadId).catch(() => {});
    return this.#storedObject(res.ETag);
  }

  /**
   * CompleteMultipartUpload, retried. A retry after the store completed the upload but its answer was lost
   * finds NoSuchUpload: the object is there if its size (and owner) are ours.
   */
  async #complete(uploadId: string, conditional: boolean): Promise<{ ETag?: string }> {
    try {
      return await this.#send<{ ETag?: string }>(
        () =>
          new CompleteMultipartUploadCommand({
            Bucket: this.#o.bucket,
            Key: this.#o.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: this.#parts },
            ...(conditional ? { IfNoneMatch: '*' } : {}),
          }),
        false,
      );
    } catch (err) {
      if (!isSluiceError(err) || err.details.s3Error !== 'NoSuchUpload') throw err;
      const head = await this.#send<{
        ContentLength?: number;
        ETag?: string;
        Metadata?: Record<string, string>;
      }>(() => new HeadObjectCommand({ Bucket: this.#o.bucket, Key: this.#o.key }), true).catch(
        () => undefined,
      );
      const ours =
        head?.ContentLength === this.#digest.bytes &&
        (this.#o.owner === undefined || head.Metadata?.[OWNER_METADATA] === this.#o.owner);
      if (!ours) throw err;
      return { ...(head.ETag ? { ETag: head.ETag } : {}) };
    }
  }

  #ownerFields(): { Metadata?: Record<string, string> } {
    return this.#o.owner === undefined ? {} : { Metadata: { [OWNER_METADATA]: this.#o.owner } };
  }

  /**
   * Runs the committing request conditionally (If-None-Match: *) when the writer has an owner. A 412 means
   * the key holds an object: written by this owner (an earlier attempt of the same job, which died before
   * recording its success) it is replaced; written by anyone else it is kept and the write fails.
   */
  async #unlessOwnedElsewhere<T>(commit: (conditional: boolean) => Promise<T>): Promise<T> {
    if (this.#o.owner === undefined) return commit(false);
    try {
      return await commit(true);
    } catch (err) {
      if (!isSluiceError(err) || err.details.httpStatus !== 412) throw err;
    }
    const head = await this.#send<{ Metadata?: Record<string, string> }>(
      () => new HeadObjectCommand({ Bucket: this.#o.bucket, Key: this.#o.key }),
      true,
    );
    const owner = head.Metadata?.[OWNER_METADATA];
    if (owner !== this.#o.owner) {
      throw new SluiceError(
        'OBJECT_EXISTS',
        `s3://${this.#o.bucket}/${this.#o.key} holds an object another job wrote; it is kept, not overwritten`,
        { details: { bucket: this.#o.bucket, key: this.#o.key } },
      );
    }
    return commit(false);
  }

  /** One S3 request, retried while the failure is transient (s3-retry.ts). */
  #send<T>(
    // Each command class has its own input and output types, which S3Client.send's union does not accept
    // from a generic caller; the callers name the output they read.
    command: () => object,
    abortable: boolean,
  ): Promise<T> {
    return retryS3(
      () =>
        this.#o.client.send(
          command() as never,
          abortable ? { abortSignal: this.#abort.signal } : {},
        ) as Promise<T>,
      {
        target: { bucket: this.#o.bucket, key: this.#o.key },
        ...(this.#o.retry ? { policy: this.#o.retry } : {}),
        ...(abortable ? { signal: this.#abort.signal } : {}),
      },
    );
  }

  #sinkError(err: unknown): SluiceError {
    return toSinkError(err, { bucket: this.#o.bucket, key: this.#o.key });
  }

  #storedObject(etag: string | undefined): StoredObject {
    return {
      uri: `s3://${this.#o.bucket}/${this.#o.key}`,
      key: this.#o.key,
      bytes: this.#digest.bytes,
      sha256: this.#digest.hex(),
      contentType: this.#o.contentType,
      ...(etag ? { etag } : {}),
    };
  }

  async #waitForSlot(): Promise<void> {
    const slots = partsInFlight(this.#nextPart, this.#o.partSize, this.#o.queueSize);
    while (this.#inFlight.size >= slots) await Promise.race(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Uploads `body`; `buffer` (which holds it) goes back to the spares once the request is over. */
  #startPart(body: Buffer, buffer: Buffer): void {
    const partNumber = this.#nextPart++;
    if (partNumber > MAX_PARTS) {
      throw new SluiceError('SINK_WRITE_FAILED', `object exceeds S3's ${MAX_PARTS} parts`, {
        details: { key: this.#o.key },
      });
    }
    this.#uploadId ??= this.#createUpload();
    const task = this.#uploadPart(partNumber, body).then(
      (part) => {
        this.#parts.push(part);
      },
      (err: unknown) => {
        this.#failure ??= err;
      },
    );
    const tracked = task.finally(() => {
      this.#inFlight.delete(tracked);
      this.#release(buffer);
    });
    this.#inFlight.add(tracked);
  }

  async #createUpload(): Promise<string> {
    // Not abortable: a create cut off after the server acted would leave an upload whose id we never
    // learned, so nothing could abort it (the orphan sweep removes one a lost answer leaves behind).
    const res = await this.#send<{ UploadId?: string }>(
      () =>
        new CreateMultipartUploadCommand({
          Bucket: this.#o.bucket,
          Key: this.#o.key,
          ContentType: this.#o.contentType,
          ...this.#ownerFields(),
        }),
      false,
    );
    if (!res.UploadId)
      throw new SluiceError('SINK_WRITE_FAILED', 'CreateMultipartUpload returned no UploadId');
    // Recorded before any part goes up, so a worker that dies from here on leaves an upload its job names.
    try {
      await this.#o.tracker?.opened(this.#o.key, res.UploadId);
    } catch (err) {
      // Unrecorded, it would be nobody's: gone again before the write fails (retriable: the job store is
      // what failed).
      const uploadId = res.UploadId;
      await this.#send(
        () =>
          new AbortMultipartUploadCommand({ Bucket: this.#o.bucket, Key: this.#o.key, UploadId: uploadId }),
        false,
      ).catch(() => {});
      throw new SluiceError('INFRA_UNAVAILABLE', 'could not record the multipart upload on the job', {
        cause: err,
        retriable: true,
        details: { key: this.#o.key },
      });
    }
    return res.UploadId;
  }

  async #uploadPart(partNumber: number, body: Buffer): Promise<CompletedPart> {
    const uploadId = await this.#uploadId!;
    const res = await this.#send<{ ETag?: string }>(
      () =>
        new UploadPartCommand({
          Bucket: this.#o.bucket,
          Key: this.#o.key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.byteLength,
        }),
      true,
    );
    return { PartNumber: partNumber, ETag: res.ETag };
  }

  async #settleAll(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #abortUpload(): Promise<void> {
    this.#abort.abort();
    // Wait for every part request to end first: a part that lands after the abort would be stranded.
    await this.#settleAll();
    const uploadId = await this.#uploadId?.catch(() => undefined);
    if (uploadId === undefined || this.#uploadClosed) return;
    // Retried like any request, so a store that is back within the retry window leaves nothing open; one
    // that is not leaves the upload recorded on the job, for the next attempt or the orphan sweep.
    await this.#send(
      () => new AbortMultipartUploadCommand({ Bucket: this.#o.bucket, Key: this.#o.key, UploadId: uploadId }),
      false,
    );
    this.#uploadClosed = true;
    await this.#o.tracker?.closed(this.#o.key, uploadId).catch(() => {});
  }
}
