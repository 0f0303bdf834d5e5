import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { describe, expect, inject, it } from 'vitest';
import { exportOnce } from '../../cli/export/export-once.ts';
import { createDemoDatabase, DEMO_TABLE } from '../../demo/footfall.ts';
import { presignGet } from '../../sinks/s3/presign.ts';
import { testS3Client } from '../support/s3.ts';

// The one-shot CLI path into the real S3Proxy: embedded SQLite → CSV → multipart upload → presigned GET.
describe('one-shot export to s3://', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-s3-'));
  const dbFile = join(dir, 'demo.sqlite');
  const rows = 120_000; // ~16 MB of CSV: more than one 8 MiB part
  createDemoDatabase(dbFile, rows);

  it('uploads the whole file and its sha256 matches what a presigned GET returns', async () => {
    const infra = inject('infra');
    const key = `cli/${randomUUID()}/footfall.csv`;
    const result = await exportOnce(
      {
        source: `sqlite:${dbFile}`,
        query: { kind: 'table', table: DEMO_TABLE },
        format: 'csv',
        out: `s3://${infra.S3_BUCKET}/${key}`,
      },
      { ...infra },
    );
    expect(result.rows).toBe(rows);
    expect(result.object.uri).toBe(`s3://${infra.S3_BUCKET}/${key}`);
    expect(result.object.bytes).toBeGreaterThan(8 * 1024 * 1024);

    const client = testS3Client();
    const { url } = await presignGet(client, infra.S3_BUCKET, key);
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(body.byteLength).toBe(result.object.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(result.object.sha256);
    expect((parse(body, { record_delimiter: '\r\n' }) as string[][]).length).toBe(rows + 1);
    client.destroy();
  });

  it('aborts the upload when the export fails midway: no object, no open upload', async () => {
    const infra = inject('infra');
    const key = `cli/${randomUUID()}/aborted.csv`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    await expect(
      exportOnce(
        {
          source: `sqlite:${dbFile}`,
          query: {
            kind: 'sql',
            sql: `SELECT a.* FROM ${DEMO_TABLE} a CROSS JOIN (SELECT 1 UNION ALL SELECT 2) b`,
          },
          format: 'csv',
          out: `s3://${infra.S3_BUCKET}/${key}`,
        },
        { ...infra },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const client = testS3Client();
    const uploads = await client.send(
      new ListMultipartUploadsCommand({ Bucket: infra.S3_BUCKET, Prefix: key }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
    const head = await fetch((await presignGet(client, infra.S3_BUCKET, key)).url);
    expect(head.status).toBe(404);
    client.destroy();
  });
});
