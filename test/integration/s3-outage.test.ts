import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../sinks/s3/client.ts';
import { MiB } from '../../sinks/s3/part-size.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import { s3Settings } from '../support/s3.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

/** Uploads still open under `prefix`. */
async function openUploads(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (res.Uploads ?? []).map((u) => u.Key!);
}

describe('S3 sink: the store goes away for seconds mid-upload', () => {
  const settings = s3Settings();
  let proxy: TcpProxy;
  let direct: S3Client;

  beforeAll(async () => {
    const url = new URL(settings.endpoint!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    direct = createS3Client(settings);
  });
  afterAll(async () => {
    await proxy.close();
    direct.destroy();
  });

  it('retries the parts and completes the same bytes once it is back', async () => {
    const client = createS3Client({ ...settings, endpoint: `http://127.0.0.1:${proxy.port}` });
    const prefix = `s3-outage/${randomUUID()}/`;
    const key = `${prefix}object.bin`;
    const body = randomBytes(26 * MiB);
    try {
      const sink = createS3Sink({ client, bucket: settings.bucket, partSize: 5 * MiB, queueSize: 2 });
      const writer = sink.createWriter(key, { contentType: 'application/octet-stream' });
      let sent = 0;
      let cut: Promise<void> | undefined;
      // 1 MiB at a time; after two parts' worth the store is cut off for 6 s, then comes back.
      async function* chunks() {
        for (let at = 0; at < body.byteLength; at += MiB) {
          if (sent === 11 * MiB && !cut) {
            cut = (async () => {
              proxy.setMode('refuse');
              await sleep(6_000);
              proxy.setMode('open');
            })();
          }
          sent += MiB;
          yield body.subarray(at, at + MiB);
        }
      }
      await pipeline(Readable.from(chunks()), writer);
      await cut;
      const stored = await writer.stored;
      expect(stored.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      const got = await direct.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(bytes.equals(body)).toBe(true);
      expect(await openUploads(direct, settings.bucket, prefix)).toEqual([]);
    } finally {
      proxy.setMode('open');
      client.destroy();
    }
  }, 20_000);
});
