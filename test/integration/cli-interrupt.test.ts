import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { presignGet } from '../../sinks/s3/presign.ts';
import { startCli, waitFor } from '../support/cli.ts';
import { testS3Client } from '../support/s3.ts';

// A real signal to a real `sluice export` process in the middle of a large export: PostgreSQL streams
// 200 million generated rows (~30 GB of CSV) unless stopped, so the signal always lands mid-way. The series
// is in the select list, where PostgreSQL streams it (in FROM it would be materialized first).
const LONG_QUERY =
  "SELECT g AS id, md5(g::text) AS digest, repeat('x', 100) AS filler FROM (SELECT generate_series(1, 200000000) AS g) s";

describe('sluice export interrupted by a signal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-int-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGINT into a file: partial file removed, "interrupted after N rows", exit 130', async () => {
    const infra = inject('infra');
    const target = join(dir, 'big.csv');
    const run = startCli(['export', '--source', infra.DATABASE_URL, '--sql', LONG_QUERY, '--out', target]);
    // Mid-way: the temporary file beside the target holds a few MB.
    await waitFor('a partial file of 4 MB', () => {
      const partial = readdirSync(dir).find((f) => f.endsWith('.partial'));
      return partial && statSync(join(dir, partial)).size > 4 * 1024 * 1024 ? partial : undefined;
    });
    expect(readdirSync(dir).some((f) => f.startsWith('.big.csv.'))).toBe(true);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    expect(code).toBe(130);
    const m = /sluice: INTERRUPTED: interrupted after ([\d,]+) rows \(SIGINT\)/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    expect(Number(m![1]!.replaceAll(',', ''))).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('SIGTERM into s3://: multipart upload aborted (ListMultipartUploads), no object, exit 143', async () => {
    const infra = inject('infra');
    const key = `cli-int/${randomUUID()}/big.csv`;
    const client = testS3Client();
    const uploads = async () =>
      (await client.send(new ListMultipartUploadsCommand({ Bucket: infra.S3_BUCKET, Prefix: key })))
        .Uploads ?? [];
    const run = startCli(
      [
        'export',
        '--source',
        infra.DATABASE_URL,
        '--sql',
        LONG_QUERY,
        '--out',
        `s3://${infra.S3_BUCKET}/${key}`,
      ],
      {
        S3_ENDPOINT: infra.S3_ENDPOINT,
        S3_ACCESS_KEY_ID: infra.S3_ACCESS_KEY_ID,
        S3_SECRET_ACCESS_KEY: infra.S3_SECRET_ACCESS_KEY,
      },
    );
    // Mid-way: the upload is open on the store.
    await waitFor('an open multipart upload', async () => ((await uploads()).length > 0 ? true : undefined));
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.done;
    expect(code, stderr).toBe(143);
    expect(stderr).toMatch(/sluice: INTERRUPTED: interrupted after [\d,]+ rows \(SIGTERM\)/);
    expect(await uploads()).toEqual([]);
    const head = await fetch((await presignGet(client, infra.S3_BUCKET, key)).url);
    expect(head.status).toBe(404);
    client.destroy();
  });
});
