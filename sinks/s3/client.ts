import {
  S3Client,
  type S3ClientConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import type { BuildMiddleware } from '@smithy/types';

export interface S3Settings {
  /** e.g. http://127.0.0.1:9000; omit for AWS itself */
  endpoint?: string;
  region: string;
  /**
   * Static keys (S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY, and S3_SESSION_TOKEN for temporary ones). Without
   * them the AWS SDK's default credential chain finds credentials: AWS_* variables, the shared config and
   * credentials files (AWS_PROFILE, SSO, credential_process), web identity (EKS), the container (ECS) and
   * instance (EC2) metadata endpoints — refreshed by the SDK before they expire.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  bucket: string;
  /** Path-style addressing (`/bucket/key`): what S3Proxy, MinIO and most S3-compatible stores expect. */
  forcePathStyle: boolean;
}

/** The one S3 client factory: the worker, the API, the CLI and the infra probe all build theirs here. */
export function createS3Client(
  settings: Omit<S3Settings, 'bucket'>,
  tuning: Partial<S3ClientConfig> = {},
): S3Client {
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...tuning,
  });
  client.middlewareStack.add(unsignedPayload, {
    step: 'build',
    priority: 'low',
    name: 'sluiceUnsignedPayload',
  });
  return client;
}

/**
 * Uploaded bodies are sent as UNSIGNED-PAYLOAD (the headers stay signed). Over plain HTTP the SDK would
 * otherwise SHA-256 every part to sign it, and the store hash it again to check the signature: measured in
 * bench/ at ~1 s of worker CPU and more of the store's per GB, on top of the SHA-256 sluice keeps of the whole
 * object. Each part stays covered by the CRC32 checksum header the SDK adds and S3 verifies.
 */
const unsignedPayload: BuildMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
  const request = args.request as { headers?: Record<string, string>; body?: unknown };
  if (request.headers && request.body instanceof Uint8Array) {
    request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  }
  return next(args);
};
