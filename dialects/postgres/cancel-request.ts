import { connect } from 'node:net';

const CANCEL_REQUEST_CODE = 80877102;

export interface BackendKey {
  host: string;
  port: number;
  processID: number;
  secretKey: number;
}

/**
 * Asks the server to cancel whatever the backend `processID` is running: the protocol's CancelRequest,
 * sent on a fresh socket. It needs no login and no free pool slot, and unlike closing our socket it also
 * stops a query that is still computing (a sort, a pg_sleep) and would notice the closed socket only when
 * it next sends. Best effort: the server answers nothing, so this resolves once the server closes the
 * socket, or on error, or after `timeoutMs`.
 */
export function sendCancelRequest(key: BackendKey, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const socket = key.host.startsWith('/')
      ? connect(`${key.host}/.s.PGSQL.${key.port}`)
      : connect(key.port, key.host);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.once('connect', () => {
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
      message.writeInt32BE(key.processID, 8);
      message.writeInt32BE(key.secretKey, 12);
      socket.end(message);
    });
    socket.once('close', done);
    socket.once('error', done);
  });
}
