import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectWriter, Sink, UploadTracker, WriteOptions } from '../sink.ts';
import { MultipartWriter } from './multipart-writer.ts';
import { DEFAULT_PART_SIZE } from './part-size.ts';
import { toSinkError } from './s3-errors.ts';
import type { S3RetryPolicy } from './s3-retry.ts';

export interface S3SinkOptions {
  client: S3Client;
  bucket: string;
  partSize?: number;
  queueSize?: number;
  /** See MultipartWriterOptions: transient failures are retried this long (default s3-retry.ts). */
  retry?: S3RetryPolicy;
  /** The job record writing: objects another owner wrote are never replaced (OBJECT_EXISTS). */
  owner?: string;
  tracker?: UploadTracker;
}

export function createS3Sink({
  client,
  bucket,
  partSize = DEFAULT_PART_SIZE,
  queueSize = 4,
  retry,
  owner,
  tracker,
}: S3SinkOptions): Sink {
  return {
    kind: 's3',
    createWriter(key: string, { contentType }: WriteOptions): ObjectWriter {
      return new MultipartWriter({
        client,
        bucket,
        key,
        contentType,
        partSize,
        queueSize,
        ...(retry ? { retry } : {}),
        ...(owner !== undefined ? { owner } : {}),
        ...(tracker ? { tracker } : {}),
      });
    },
    async remove(key: string): Promise<void> {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        throw toSinkError(err, { bucket, key });
      }
    },
  };
}
