import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { isSluiceError } from '../../core/errors.ts';
import { retryS3, type S3RetryPolicy } from './s3-retry.ts';

export interface OpenUploadRef {
  key: string;
  uploadId: string;
}

/** A short retry: these run from the scheduler loop and at a job's start, not in the middle of an upload. */
const CLEANUP_RETRY: S3RetryPolicy = { baseDelayMs: 200, maxDelayMs: 2_000, maxElapsedMs: 5_000 };

/** Aborts one multipart upload; one that is already gone (completed, aborted) is not an error. */
export async function abortUpload(
  client: S3Client,
  bucket: string,
  { key, uploadId }: OpenUploadRef,
  policy: S3RetryPolicy = CLEANUP_RETRY,
): Promise<void> {
  try {
    await retryS3(
      () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
      { target: { bucket, key }, policy },
    );
  } catch (err) {
    if (isSluiceError(err) && (err.details.s3Error === 'NoSuchUpload' || err.details.httpStatus === 404))
      return;
    throw err;
  }
}

/**
 * Aborts the multipart uploads under `prefix` that began more than `olderThanMs` ago and that `isLive` does
 * not claim: what a worker killed mid-upload, or a job whose abort failed, left behind. Their parts cost
 * storage until aborted, and a bucket lifecycle rule is not always there. Returns what it aborted.
 */
export async function sweepOrphanUploads({
  client,
  bucket,
  prefix,
  olderThanMs,
  isLive,
  now = Date.now(),
}: {
  client: S3Client;
  bucket: string;
  prefix: string;
  olderThanMs: number;
  isLive: (uploadId: string) => boolean;
  now?: number;
}): Promise<OpenUploadRef[]> {
  const aborted: OpenUploadRef[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await retryS3(
      () =>
        client.send(
          new ListMultipartUploadsCommand({
            Bucket: bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
        ),
      { target: { bucket, key: prefix }, policy: CLEANUP_RETRY },
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId || isLive(upload.UploadId)) continue;
      // No start time: not ours to judge.
      if (!upload.Initiated || now - upload.Initiated.getTime() < olderThanMs) continue;
      await abortUpload(client, bucket, { key: upload.Key, uploadId: upload.UploadId });
      aborted.push({ key: upload.Key, uploadId: upload.UploadId });
    }
    if (!page.IsTruncated) return aborted;
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
    if (!keyMarker && !uploadIdMarker) return aborted;
  }
}
