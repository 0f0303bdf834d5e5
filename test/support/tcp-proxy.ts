import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'open' | 'refuse' | 'blackhole';

export interface TcpProxy {
  /** Where clients connect instead of the target. */
  readonly port: number;
  readonly address: string;
  /**
   * `open` forwards; `refuse` resets every connection and each new one (a server that is down);
   * `blackhole` keeps connections but forwards nothing either way (a partition: requests never answered).
   */
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a shared server (the Kafka broker, PostgreSQL), so a test can take that server
 * away from one process without stopping it for everyone else.
 *
 * With `kafka: true` it also rewrites the broker's advertised address in every response (Metadata,
 * FindCoordinator) to the proxy's own port; otherwise a Kafka client would connect to the broker directly
 * after bootstrap and never notice the proxy going away. kafkajs speaks only non-flexible protocol versions,
 * where a host is an int16 length and its bytes followed by an int32 port, so the rewrite is a same-length
 * byte substitution within each size-prefixed response frame.
 */
export async function startTcpProxy(
  target: { host: string; port: number },
  { kafka = false }: { kafka?: boolean } = {},
): Promise<TcpProxy> {
  let mode: ProxyMode = 'open';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let port = 0;

  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget);
    upstream.on('close', forget);
    client.on('data', (chunk: Buffer) => {
      if (mode === 'open') upstream.write(chunk);
    });
    if (kafka) {
      let pending: Buffer = Buffer.alloc(0);
      upstream.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= 4) {
          const size = pending.readInt32BE(0);
          if (pending.length < 4 + size) break;
          const frame = Buffer.from(pending.subarray(0, 4 + size));
          pending = pending.subarray(4 + size);
          if (mode === 'open') client.write(rewriteBrokerAddress(frame, target, port));
        }
      });
    } else {
      upstream.on('data', (chunk: Buffer) => {
        if (mode === 'open') client.write(chunk);
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as { port: number }).port;

  return {
    port,
    address: `127.0.0.1:${port}`,
    setMode(next) {
      mode = next;
      if (next === 'refuse') {
        for (const { client, upstream } of pairs) {
          client.resetAndDestroy();
          upstream.destroy();
        }
        pairs.clear();
      }
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every `int16 len, host, int32 port` naming the target becomes the same host with the proxy's port. */
function rewriteBrokerAddress(
  frame: Buffer,
  target: { host: string; port: number },
  proxyPort: number,
): Buffer {
  const host = Buffer.from(target.host, 'utf8');
  const needle = Buffer.alloc(2 + host.length + 4);
  needle.writeInt16BE(host.length, 0);
  host.copy(needle, 2);
  needle.writeInt32BE(target.port, 2 + host.length);
  for (let at = frame.indexOf(needle); at !== -1; at = frame.indexOf(needle, at + needle.length)) {
    frame.writeInt32BE(proxyPort, at + 2 + host.length);
  }
  return frame;
}
