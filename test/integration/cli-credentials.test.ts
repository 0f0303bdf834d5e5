import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDemoDatabase, DEMO_TABLE } from '../../demo/footfall.ts';
import { presignGet } from '../../sinks/s3/presign.ts';
import { runCli } from '../support/cli.ts';
import { testS3Client } from '../support/s3.ts';

// Without S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY the AWS SDK's default chain finds the credentials, as it
// would on AWS: here from AWS_* variables and from a shared credentials file picked by AWS_PROFILE, against
// the real S3Proxy (SigV4 checked, so wrong keys are refused).
describe('sluice export to s3:// with the AWS default credential chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-creds-'));
  const db = join(dir, 'demo.sqlite');
  createDemoDatabase(db, 2_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const exportTo = (key: string, env: Record<string, string>) =>
    runCli(
      [
        'export',
        '--source',
        `sqlite:${db}`,
        '--table',
        DEMO_TABLE,
        '--out',
        `s3://${inject('infra').S3_BUCKET}/${key}`,
        '--json',
      ],
      { S3_ENDPOINT: inject('infra').S3_ENDPOINT, ...env },
    );

  async function expectStored(key: string, stdout: Buffer): Promise<void> {
    const result = JSON.parse(stdout.toString('utf8')) as { rows: number; bytes: number; sha256: string };
    expect(result.rows).toBe(2_000);
    const client = testS3Client();
    const body = Buffer.from(
      await (await fetch((await presignGet(client, inject('infra').S3_BUCKET, key)).url)).arrayBuffer(),
    );
    client.destroy();
    expect(body.byteLength).toBe(result.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(result.sha256);
  }

  it('uses AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment, without the Node warning', async () => {
    const infra = inject('infra');
    const key = `cli-creds/${randomUUID()}/env.csv`;
    const run = await exportTo(key, {
      AWS_ACCESS_KEY_ID: infra.S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: infra.S3_SECRET_ACCESS_KEY,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning/);
    await expectStored(key, run.stdout);
  });

  it('uses the profile AWS_PROFILE names in a shared credentials file, region from the config file', async () => {
    const infra = inject('infra');
    const credentials = join(dir, 'credentials');
    const config = join(dir, 'config');
    writeFileSync(
      credentials,
      `[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[sluice-test]\naws_access_key_id = ${infra.S3_ACCESS_KEY_ID}\naws_secret_access_key = ${infra.S3_SECRET_ACCESS_KEY}\n`,
    );
    writeFileSync(config, '[profile sluice-test]\nregion = us-east-1\n');
    const key = `cli-creds/${randomUUID()}/profile.csv`;
    const files = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
    const run = await exportTo(key, { ...files, AWS_PROFILE: 'sluice-test' });
    expect(run.code, run.stderr).toBe(0);
    await expectStored(key, run.stdout);

    // The default profile's keys are wrong: S3Proxy refuses the signature, and the CLI says so in one line.
    const refused = await exportTo(`cli-creds/${randomUUID()}/default.csv`, files);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sluice: SINK_WRITE_FAILED: .+/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses half a pair of S3_* keys before any work', async () => {
    const run = await exportTo(`cli-creds/${randomUUID()}/half.csv`, { S3_ACCESS_KEY_ID: 'only-this' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^sluice: CONFIG_INVALID: S3 keys come in pairs: set S3_SECRET_ACCESS_KEY/);
  });
});
