import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '../core/errors.ts';
import type { S3Settings } from '../sinks/s3/client.ts';
import type { Env } from './env.ts';

/**
 * S3 settings from the environment, read once and passed down (CLI, worker and API alike).
 *
 * Credentials: S3_ACCESS_KEY_ID + S3_SECRET_ACCESS_KEY (+ S3_SESSION_TOKEN) when given — the names
 * `npm run infra:up` prints for the local S3Proxy. Otherwise none are set here and the AWS SDK's default
 * chain finds them (AWS_ACCESS_KEY_ID…, AWS_PROFILE and the shared files, SSO, web identity, ECS, EC2).
 *
 * Region: S3_REGION, AWS_REGION, AWS_DEFAULT_REGION, the `region` of the profile in the shared config
 * file (AWS_PROFILE, else `default`), else us-east-1 (what S3-compatible stores expect in signatures).
 */
export function readS3Settings(env: Env): S3Settings {
  if (!env.S3_BUCKET) {
    throw new SluiceError('CONFIG_INVALID', 'S3 is not configured: set S3_BUCKET', {
      details: { missing: ['S3_BUCKET'] },
    });
  }
  return {
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    region: readRegion(env),
    ...(staticCredentials(env) ?? {}),
    bucket: env.S3_BUCKET,
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === 'true' : Boolean(env.S3_ENDPOINT),
  };
}

function staticCredentials(env: Env): Pick<S3Settings, 'credentials'> | undefined {
  const id = env.S3_ACCESS_KEY_ID;
  const secret = env.S3_SECRET_ACCESS_KEY;
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    const missing = id ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    throw new SluiceError('CONFIG_INVALID', `S3 keys come in pairs: set ${missing} too, or neither`, {
      details: { missing: [missing] },
    });
  }
  return {
    credentials: {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(env.S3_SESSION_TOKEN ? { sessionToken: env.S3_SESSION_TOKEN } : {}),
    },
  };
}

export function readRegion(env: Env): string {
  return env.S3_REGION || env.AWS_REGION || env.AWS_DEFAULT_REGION || profileRegion(env) || 'us-east-1';
}

/** The `region` line of the profile's section in the shared config file (the SDK reads the same file). */
function profileRegion(env: Env): string | undefined {
  const file = env.AWS_CONFIG_FILE || join(env.HOME || homedir(), '.aws', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const profile = env.AWS_PROFILE || 'default';
  const wanted =
    profile === 'default'
      ? /^\[\s*(?:profile\s+)?default\s*\]$/
      : new RegExp(`^\\[\\s*profile\\s+${escape(profile)}\\s*\\]$`);
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) inSection = wanted.test(line);
    else if (inSection) {
      const m = /^region\s*=\s*([^\s#;]+)/.exec(line);
      if (m) return m[1];
    }
  }
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
