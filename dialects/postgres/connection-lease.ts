import type { Pool, PoolClient } from 'pg';
import { sendCancelRequest, type BackendKey } from './cancel-request.ts';

/**
 * One pooled connection, held for one compile/describe/stream. A lease ends in exactly one of two ways:
 * `release()` hands the connection back, which is only right when nothing is in flight on it;
 * `destroy()` cancels whatever the server is still running for it and closes it, so a half-read COPY or an
 * open cursor never reaches the next borrower.
 */
export interface Lease {
  readonly client: PoolClient;
  release(): void;
  destroy(): Promise<void>;
}

/** Fields node-postgres keeps on a client for the protocol's cancel key; its typings leave them out. */
interface ClientInternals {
  processID?: number | null;
  secretKey?: number | null;
}

export async function acquireLease(pool: Pool, setup: (client: PoolClient) => Promise<void>): Promise<Lease> {
  const client = await pool.connect();
  // While checked out, the pool listens to nothing: a socket error with no listener would crash the process.
  // The failure still reaches us through the query that was running.
  const onError = () => {};
  client.on('error', onError);
  let ended = false;
  const end = (err?: Error) => {
    if (ended) return false;
    ended = true;
    client.removeListener('error', onError);
    client.release(err);
    return true;
  };
  const lease: Lease = {
    client,
    release: () => void end(),
    async destroy() {
      const { processID, secretKey } = client as unknown as ClientInternals;
      const key: BackendKey | null =
        typeof processID === 'number' && typeof secretKey === 'number'
          ? { host: client.host, port: client.port, processID, secretKey }
          : null;
      // Releasing with an error makes the pool end the client; with a query still active, node-postgres
      // destroys the socket rather than waiting for it.
      if (!end(new Error('sluice: query abandoned'))) return;
      if (key) await sendCancelRequest(key);
    },
  };
  try {
    await setup(client);
  } catch (err) {
    end(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  return lease;
}
