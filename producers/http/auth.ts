import type { FastifyRequest } from 'fastify';
import type { TokenIdentity, TokenStore } from '../../auth/tokens.ts';
import { SluiceError } from '../../core/errors.ts';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The bearer token of a request, if it sent one in the right shape. */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * The identity behind the request's `Authorization: Bearer` token; UNAUTHENTICATED (401) for a missing,
 * malformed, unknown, revoked or expired token alike, so the answer reveals nothing about which.
 */
export async function authenticate(tokens: TokenStore, req: FastifyRequest): Promise<TokenIdentity> {
  // Already established by the onRequest guard (request-guards.ts): one token lookup per request.
  if (req.sluiceIdentity) return req.sluiceIdentity;
  const token = bearerToken(req.headers.authorization);
  if (token === undefined) throw new SluiceError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
  req.sluiceIdentity = await tokens.require(token);
  return req.sluiceIdentity;
}
