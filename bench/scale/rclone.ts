import { spawn } from 'node:child_process';
import type { Measured } from './baselines.ts';

export interface RcloneTarget {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
}

/**
 * rclone's remote `s3:` from the environment alone (no config file). AWS_CA_BUNDLE, set on some machines,
 * makes rclone refuse its own HTTP transport even for an http:// endpoint, so it is left out.
 */
export function rcloneEnv(target: RcloneTarget): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG_S3_TYPE: 's3',
    RCLONE_CONFIG_S3_PROVIDER: 'Other',
    RCLONE_CONFIG_S3_ENDPOINT: target.endpoint,
    RCLONE_CONFIG_S3_REGION: target.region,
    RCLONE_CONFIG_S3_ACCESS_KEY_ID: target.accessKeyId,
    RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: target.secretAccessKey,
    RCLONE_CONFIG_S3_FORCE_PATH_STYLE: 'true',
  };
  delete env.AWS_CA_BUNDLE;
  return env;
}

/**
 * What a user would do by hand (issue 18's baseline for CSV): `psql \copy (SELECT …) to stdout | rclone
 * rcat s3:bucket/key` into the same object store. Wall seconds from spawn to rclone's exit (the object is
 * complete then); the caller lists and deletes the object.
 */
export function psqlRcloneBaseline(
  url: string,
  select: string,
  target: RcloneTarget,
  key: string,
): Promise<Measured> {
  const copy = `\\copy (${select}) TO STDOUT WITH (FORMAT csv, HEADER)`;
  // $1…$3 keep the URL, statement and key out of the shell's parsing.
  const script = 'set -o pipefail; psql "$1" -qc "$2" | rclone rcat "s3:$3"';
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script, 'baseline', url, copy, `${target.bucket}/${key}`], {
      env: rcloneEnv(target),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve({ seconds: (performance.now() - started) / 1000 });
      else reject(new Error(`psql | rclone rcat exited ${code}: ${stderr.slice(-400)}`));
    });
  });
}
