import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createS3Client, type S3Settings } from '../../sinks/s3/client.ts';
import { MiB } from '../../sinks/s3/part-size.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import { s3Settings } from '../support/s3.ts';

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The suite's store settings with one of the static keys replaced. */
function withCredentials(change: { accessKeyId?: string; secretAccessKey?: string }): S3Settings {
  const settings = s3Settings();
  if (!settings.credentials) throw new Error('the suite runs with static S3 keys');
  return { ...settings, credentials: { ...settings.credentials, ...change } };
}

/** Writes `bytes` through an S3 sink built from `settings` and returns how it failed. */
async function failedWrite(settings: S3Settings, bytes: number): Promise<unknown> {
  const client = createS3Client(settings);
  try {
    // Transient failures are retried for a short while only: the classification is what is tested here.
    const sink = createS3Sink({
      client,
      bucket: settings.bucket,
      partSize: 5 * MiB,
      retry: { baseDelayMs: 20, maxDelayMs: 50, maxElapsedMs: 200 },
    });
    const writer = sink.createWriter(`s3-errors/${randomUUID()}.bin`, {
      contentType: 'application/octet-stream',
    });
    const failure = await pipeline(Readable.from([randomBytes(bytes)]), writer).then(
      () => new Error('the write succeeded'),
      (err: unknown) => err,
    );
    // `stored` rejects with the same classified error once the upload is cleaned up.
    await expect(writer.stored).rejects.toBe(failure);
    return failure;
  } finally {
    client.destroy();
  }
}

describe('S3 errors against the real S3Proxy (SigV4 on)', () => {
  // Below one part the object goes up as one PutObject; above it, CreateMultipartUpload comes first.
  for (const [path, bytes] of [
    ['single PUT', 1024],
    ['multipart', 6 * MiB],
  ] as const) {
    it(`${path}: a bucket that does not exist is NoSuchBucket, not retried`, async () => {
      const settings = { ...s3Settings(), bucket: `sluice-missing-${randomUUID().slice(0, 8)}` };
      expect(await failedWrite(settings, bytes)).toMatchObject({
        code: 'SINK_WRITE_FAILED',
        retriable: false,
        details: { s3Error: 'NoSuchBucket', httpStatus: 404 },
      });
    });

    it(`${path}: a wrong secret is SignatureDoesNotMatch, not retried`, async () => {
      const settings = withCredentials({ secretAccessKey: 'not-the-secret' });
      expect(await failedWrite(settings, bytes)).toMatchObject({
        code: 'SINK_WRITE_FAILED',
        retriable: false,
        details: { s3Error: 'SignatureDoesNotMatch', httpStatus: 403 },
      });
    });
  }

  it('an unknown access key is InvalidAccessKeyId, not retried', async () => {
    const settings = withCredentials({ accessKeyId: `nobody-${randomUUID().slice(0, 8)}` });
    expect(await failedWrite(settings, 1024)).toMatchObject({
      code: 'SINK_WRITE_FAILED',
      retriable: false,
      details: { s3Error: 'InvalidAccessKeyId', httpStatus: 403 },
    });
  });

  it('a store that refuses connections is retried', async () => {
    const settings = { ...s3Settings(), endpoint: `http://127.0.0.1:${await closedPort()}` };
    expect(await failedWrite(settings, 1024)).toMatchObject({
      code: 'SINK_WRITE_FAILED',
      retriable: true,
      details: { errno: 'ECONNREFUSED' },
    });
  });

  it('a delete with a wrong secret is classified too', async () => {
    // (S3Proxy answers a delete in a missing bucket with success, so the credentials are what is wrong here.)
    const settings = withCredentials({ secretAccessKey: 'not-the-secret' });
    const client = createS3Client(settings);
    try {
      await expect(createS3Sink({ client, bucket: settings.bucket }).remove('x')).rejects.toMatchObject({
        code: 'SINK_WRITE_FAILED',
        retriable: false,
        details: { s3Error: 'SignatureDoesNotMatch' },
      });
    } finally {
      client.destroy();
    }
  });
});
