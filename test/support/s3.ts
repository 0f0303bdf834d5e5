import { inject } from 'vitest';
import { createS3Client, type S3Settings } from '../../sinks/s3/client.ts';

export function s3Settings(): S3Settings {
  const infra = inject('infra');
  return {
    endpoint: infra.S3_ENDPOINT,
    region: infra.S3_REGION,
    accessKeyId: infra.S3_ACCESS_KEY_ID,
    secretAccessKey: infra.S3_SECRET_ACCESS_KEY,
    bucket: infra.S3_BUCKET,
    forcePathStyle: true,
  };
}

export function testS3Client() {
  return createS3Client(s3Settings());
}
