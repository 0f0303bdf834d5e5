import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface PresignedUrl {
  url: string;
  expiresAt: Date;
}

/** SigV4 caps presigned URLs at 7 days. */
export const MAX_PRESIGN_TTL_SECONDS = 7 * 24 * 3600;

export async function presignGet(
  client: S3Client,
  bucket: string,
  key: string,
  ttlSeconds = 3600,
  now: () => Date = () => new Date(),
): Promise<PresignedUrl> {
  const expiresIn = Math.min(Math.max(1, Math.floor(ttlSeconds)), MAX_PRESIGN_TTL_SECONDS);
  const signedAt = now();
  const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn,
    signingDate: signedAt,
  });
  return { url, expiresAt: new Date(signedAt.getTime() + expiresIn * 1000) };
}
