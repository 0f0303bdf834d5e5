import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { SluiceError } from '../core/errors.ts';

export interface MetricsEndpoint {
  /** The bound port (the configured one, or the one picked for port 0). */
  port: number;
  stop(): Promise<void>;
}

/**
 * A bare HTTP listener for a process that has no HTTP server of its own (the worker): `GET /metrics` answers
 * the registry in Prometheus text, anything else 404.
 */
export async function startMetricsEndpoint(
  registry: Registry,
  { host, port }: { host: string; port: number },
): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) =>
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`metrics collection failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SluiceError(
          'CONFIG_INVALID',
          `cannot serve /metrics on ${host}:${port} (${err.code ?? err.message}); choose another port`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
