import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { MiB } from '../../sinks/s3/part-size.ts';
import { OWNER_METADATA } from '../../sinks/s3/multipart-writer.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';

// An S3 sink with an owner never replaces an object another owner wrote (If-None-Match, then the owner
// metadata), and replaces its own (an earlier attempt of the same job).
describe('S3 sink: objects have owners', () => {
  const { bucket } = s3Settings();
  const client = testS3Client();
  afterAll(() => client.destroy());

  const write = async (key: string, owner: string, body: Buffer) => {
    const writer = createS3Sink({ client, bucket, partSize: 5 * MiB, owner }).createWriter(key, {
      contentType: 'application/octet-stream',
    });
    const failure = await pipeline(Readable.from([body]), writer).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (failure) {
      await writer.stored.catch(() => {});
      throw failure;
    }
    return writer.stored;
  };
  const read = async (key: string) => {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  };

  for (const [path, bytes] of [
    ['single PUT', 1024],
    ['multipart', 11 * MiB],
  ] as const) {
    it(`${path}: another owner's object is kept (OBJECT_EXISTS); the same owner replaces its own`, async () => {
      const prefix = `s3-ownership/${randomUUID()}/`;
      const key = `${prefix}object.bin`;
      const theirs = Buffer.from('written by another deployment');
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: theirs,
          Metadata: { [OWNER_METADATA]: 'them' },
        }),
      );
      await expect(write(key, 'us', randomBytes(bytes))).rejects.toMatchObject({
        code: 'OBJECT_EXISTS',
        retriable: false,
      });
      expect((await read(key)).equals(theirs)).toBe(true);
      const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
      expect(open.Uploads ?? []).toEqual([]);

      // A key of our own, written twice by the same owner: the second attempt wins.
      const ours = `${prefix}ours.bin`;
      await write(ours, 'us', randomBytes(bytes));
      const again = randomBytes(bytes);
      const stored = await write(ours, 'us', again);
      expect(stored.sha256).toBe(createHash('sha256').update(again).digest('hex'));
      expect((await read(ours)).equals(again)).toBe(true);
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: ours }));
      expect(head.Metadata?.[OWNER_METADATA]).toBe('us');
    });
  }
});
