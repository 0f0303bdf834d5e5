import {
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * Polls for the first part of a multipart upload under `prefix`: the moment bytes of the export are in
 * S3. Stops at the first part seen or when `stop` fires; resolves the wall-clock ms, or undefined.
 */
export async function watchFirstPart(
  s3: S3Client,
  bucket: string,
  prefix: string,
  stop: AbortSignal,
  everyMs = 100,
): Promise<number | undefined> {
  while (!stop.aborted) {
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    for (const u of uploads.Uploads ?? []) {
      const parts = await s3.send(
        new ListPartsCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! }),
      );
      if ((parts.Parts ?? []).length > 0) return Date.now();
    }
    // A small object goes up as one PutObject at the end: then the object itself is the first byte.
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    if ((objects.Contents ?? []).length > 0) return Date.now();
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}

/** Deletes every object under a prefix (the bench's outputs are measured, not kept). */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) return;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
}
