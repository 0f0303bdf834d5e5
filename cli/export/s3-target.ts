import { HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { SluiceError } from '../../core/errors.ts';
import { createS3Client } from '../../sinks/s3/client.ts';
import { createS3Sink } from '../../sinks/s3/s3-sink.ts';
import type { Env } from '../env.ts';
import { readS3Settings } from '../s3-settings.ts';
import type { OutputTarget } from './target.ts';

/** `s3://bucket/key`, with the bucket from the URL and everything else from the S3 settings. */
export function s3Target(out: string, env: Env, noClobber: boolean): OutputTarget {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(out);
  if (!m) throw new SluiceError('USAGE', `--out ${out}: expected s3://bucket/key`);
  const [, bucket, key] = m as unknown as [string, string, string];
  const settings = { ...readS3Settings({ ...env, S3_BUCKET: bucket }), bucket };
  const client = createS3Client(settings);
  return {
    kind: 's3',
    sink: createS3Sink({ client, bucket }),
    key,
    display: out,
    async assertAbsent() {
      if (!noClobber) return;
      // Checked before the export starts; an object written meanwhile by someone else is replaced.
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return;
        throw new SluiceError('SINK_WRITE_FAILED', `could not check ${out}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      throw new SluiceError('TARGET_EXISTS', `${out} exists (--no-clobber)`, { details: { target: out } });
    },
    close: () => client.destroy(),
  };
}
