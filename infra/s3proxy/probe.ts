import {
  CreateBucketCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function probeClient(s3: S3Endpoint): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // The caller polls; one attempt with short timeouts keeps each poll quick.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 },
  });
}

/** Healthy means a real SigV4-signed request with our credentials succeeds (ListBuckets). */
export async function probeS3(s3: S3Endpoint): Promise<void> {
  const client = probeClient(s3);
  try {
    await client.send(new ListBucketsCommand({}));
  } finally {
    client.destroy();
  }
}

/** Creates the bucket unless it exists. Resolves true when this call created it. */
export async function ensureBucket(s3: S3Endpoint, bucket: string): Promise<boolean> {
  const client = probeClient(s3);
  try {
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return false;
    } catch (err) {
      if (!(err instanceof S3ServiceException) || err.$metadata.httpStatusCode !== 404) throw err;
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return true;
    } catch (err) {
      // Another `infra up` (or a test) created it between our HEAD and CREATE.
      if (err instanceof S3ServiceException && err.name === 'BucketAlreadyOwnedByYou') return false;
      throw err;
    }
  } finally {
    client.destroy();
  }
}
