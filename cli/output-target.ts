import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../core/errors.ts';
import { createLocalFolderSink } from '../sinks/local-folder.ts';
import { createS3Client } from '../sinks/s3/client.ts';
import { createS3Sink } from '../sinks/s3/s3-sink.ts';
import type { Sink } from '../sinks/sink.ts';
import { readS3Settings } from './config.ts';
import type { Env } from './env.ts';

export interface OutputTarget {
  sink: Sink;
  key: string;
  /** Releases clients the sink holds. */
  close(): void;
}

/** `--out file:///abs/path.csv`, a plain path, or `s3://bucket/key`. */
export function resolveOutputTarget(out: string, env: Env): OutputTarget {
  if (out.startsWith('s3://')) {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(out);
    if (!m) throw new SluiceError('USAGE', `--out ${out}: expected s3://bucket/key`);
    const settings = { ...readS3Settings({ S3_BUCKET: m[1], ...env }), bucket: m[1]! };
    const client = createS3Client(settings);
    return {
      sink: createS3Sink({ client, bucket: settings.bucket }),
      key: m[2]!,
      close: () => client.destroy(),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(out) && !out.startsWith('file://')) {
    throw new SluiceError('SINK_UNSUPPORTED', `--out ${out}: use file://… , a path, or s3://bucket/key`);
  }
  const path = resolve(out.startsWith('file://') ? fileURLToPath(out) : out);
  return { sink: createLocalFolderSink({ root: dirname(path) }), key: basename(path), close: () => {} };
}
