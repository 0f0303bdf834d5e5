import { SluiceError } from '../core/errors.ts';
import type { S3Settings } from '../sinks/s3/client.ts';
import type { Env } from './env.ts';

/**
 * S3 settings from the environment, with the names `npm run infra:up` prints. Read once, then passed down.
 * Without S3_ENDPOINT the SDK talks to AWS itself.
 */
export function readS3Settings(env: Env): S3Settings {
  const missing = ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_BUCKET'].filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new SluiceError('CONFIG_INVALID', `S3 is not configured: set ${missing.join(', ')}`, {
      details: { missing },
    });
  }
  return {
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    region: env.S3_REGION || 'us-east-1',
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    bucket: env.S3_BUCKET!,
    forcePathStyle: env.S3_FORCE_PATH_STYLE ? env.S3_FORCE_PATH_STYLE === 'true' : Boolean(env.S3_ENDPOINT),
  };
}
