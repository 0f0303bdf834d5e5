import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** e.g. http://127.0.0.1:9000; omit for AWS itself */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Path-style addressing (`/bucket/key`): what S3Proxy, MinIO and most S3-compatible stores expect. */
  forcePathStyle: boolean;
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
  });
}
