import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultipartWriter } from '../../sinks/s3/multipart-writer.ts';
import { MiB } from '../../sinks/s3/part-size.ts';
import { presignGet } from '../../sinks/s3/presign.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';

function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      counts.set(context.commandName!, (counts.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `count-${randomUUID()}` },
  );
  return counts;
}

async function openUploads(client: S3Client, bucket: string, key: string): Promise<number> {
  const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  return (res.Uploads ?? []).filter((u) => u.Key === key).length;
}

describe('S3Proxy object store (real, SigV4 on)', () => {
  const { bucket } = s3Settings();
  let client: S3Client;
  const key = `smoke/${randomUUID()}/three-parts.bin`;
  const payload = randomBytes(12 * MiB + 512 * 1024); // 5 MiB + 5 MiB + 2.5 MiB

  beforeAll(() => {
    client = testS3Client();
  });
  afterAll(() => client.destroy());

  it('uploads 3 parts through the multipart writer and reads them back byte-identical', async () => {
    const counts = countCommands(client);
    const writer = new MultipartWriter({
      client,
      bucket,
      key,
      contentType: 'application/octet-stream',
      partSize: 5 * MiB,
      queueSize: 2,
    });
    const chunks = function* () {
      for (let i = 0; i < payload.byteLength; i += 64 * 1024) yield payload.subarray(i, i + 64 * 1024);
    };
    await pipeline(Readable.from(chunks()), writer);
    const stored = await writer.stored;

    expect(counts.get('CreateMultipartUploadCommand')).toBe(1);
    expect(counts.get('UploadPartCommand')).toBe(3);
    expect(counts.get('CompleteMultipartUploadCommand')).toBe(1);
    expect(stored.bytes).toBe(payload.byteLength);
    expect(stored.sha256).toBe(createHash('sha256').update(payload).digest('hex'));

    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await got.Body!.transformToByteArray());
    expect(body.equals(payload)).toBe(true);
  });

  it('serves the object through a presigned GET, and refuses it with 403 once tampered or expired', async () => {
    const { url } = await presignGet(client, bucket, key, 3600);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(payload)).toBe(true);

    const signed = new URL(url);
    const signature = signed.searchParams.get('X-Amz-Signature')!;
    const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
    signed.searchParams.set('X-Amz-Signature', flipped);
    const tampered = await fetch(signed);
    await tampered.arrayBuffer();
    expect(tampered.status).toBe(403);

    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace('three-parts', 'three-partz');
    const moved = await fetch(otherKey);
    await moved.arrayBuffer();
    expect(moved.status).toBe(403);

    // Signed two hours ago for one hour: expired an hour ago.
    const past = await presignGet(client, bucket, key, 3600, () => new Date(Date.now() - 2 * 3600_000));
    const expired = await fetch(past.url);
    await expired.arrayBuffer();
    expect(expired.status).toBe(403);

    // And one that expires while we wait.
    const short = await presignGet(client, bucket, key, 1);
    await new Promise((r) => setTimeout(r, 2100));
    const lapsed = await fetch(short.url);
    await lapsed.arrayBuffer();
    expect(lapsed.status).toBe(403);
  });

  it('aborts the multipart upload when the stream fails: no object, no open upload', async () => {
    const failKey = `smoke/${randomUUID()}/failed.bin`;
    const writer = new MultipartWriter({
      client,
      bucket,
      key: failKey,
      contentType: 'application/octet-stream',
      partSize: 5 * MiB,
      queueSize: 2,
    });
    const source = async function* () {
      yield payload.subarray(0, 11 * MiB); // two full parts start uploading
      throw new Error('source failed midway');
    };
    await expect(pipeline(Readable.from(source()), writer)).rejects.toThrow('source failed midway');
    await expect(writer.stored).rejects.toThrow();

    expect(await openUploads(client, bucket, failKey)).toBe(0);
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: failKey }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });
});
