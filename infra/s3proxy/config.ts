export interface S3ProxyConfig {
  host: string;
  port: number;
  identity: string;
  credential: string;
  /** Buckets are folders under it, objects are files. */
  baseDir: string;
}

/**
 * s3proxy.conf with authorization on: S3Proxy then checks SigV4 signatures (headers and presigned URLs)
 * and expiry, so a test of a tampered or expired presigned URL means something. Clients use path-style
 * addressing, so no virtual-host setting is needed.
 */
export function s3ProxyProperties(c: S3ProxyConfig): string {
  const props: Array<[string, string]> = [
    ['s3proxy.endpoint', `http://${c.host}:${c.port}`],
    ['s3proxy.authorization', 'aws-v2-or-v4'],
    ['s3proxy.identity', c.identity],
    ['s3proxy.credential', c.credential],
    // The AWS SDK sends headers (checksums, SDK metadata) that S3Proxy would otherwise refuse.
    ['s3proxy.ignore-unknown-headers', 'true'],
    ['jclouds.provider', 'filesystem-nio2'],
    ['jclouds.filesystem.basedir', c.baseDir],
  ];
  return props.map(([key, value]) => `${key}=${escapeValue(value)}`).join('\n') + '\n';
}

/** java.util.Properties treats backslashes as escapes; paths and secrets must survive as written. */
function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\');
}
