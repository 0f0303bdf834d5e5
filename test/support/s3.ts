import { inject } from 'vitest';
import { readS3Settings } from '../../cli/config.ts';
import { createS3Client, type S3Settings } from '../../sinks/s3/client.ts';

/** The suite's object store, read the way the services read their environment. */
export function s3Settings(): S3Settings {
  return readS3Settings({ ...inject('infra') });
}

export function testS3Client() {
  return createS3Client(s3Settings());
}
