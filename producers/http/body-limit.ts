import type { IncomingMessage } from 'node:http';
import { SluiceError } from '../../core/errors.ts';

/** The largest JSON body the API reads (README, Caps). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * How much of a refused body the server reads and discards so the client can read its 413. Closing the
 * socket while the client is still sending makes the kernel answer its next segments with a reset, and most
 * clients then report ECONNRESET instead of the answer already in their buffer. Past this many bytes (or
 * DRAIN_TIMEOUT_MS) the connection is closed anyway: nobody gets to make the server read without end.
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
export const DRAIN_TIMEOUT_MS = 15_000;

export function tooLarge(limit = BODY_LIMIT_BYTES): SluiceError {
  return new SluiceError('REQUEST_TOO_LARGE', `the body is larger than ${limit} bytes`, {
    details: { field: '(body)', rule: `at most ${limit} bytes` },
  });
}

/** A declared Content-Length over the limit: refused before the token, the rate limit or a parser see it. */
export function declaresTooLarge(headers: IncomingMessage['headers'], limit = BODY_LIMIT_BYTES): boolean {
  const declared = Number(headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Reads the rest of a request's body into nothing. Resolves true once it ended (the connection can stay
 * open and the answer be read), false when it went past the byte or time bound or failed (close it).
 */
export function drainRequest(
  req: IncomingMessage,
  maxBytes = DRAIN_LIMIT_BYTES,
  timeoutMs = DRAIN_TIMEOUT_MS,
): Promise<boolean> {
  if (req.readableEnded || req.complete) return Promise.resolve(true);
  if (req.destroyed) return Promise.resolve(false);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      resolve(ok);
    };
    const onData = (chunk: Buffer | string) => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const onClose = () => finish(req.complete);
    const timer = setTimeout(() => finish(false), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    req.resume();
  });
}
