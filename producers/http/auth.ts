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
  const token = bearerToken(req.headers.authorization);
  if (token === undefined) throw new SluiceError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
  return tokens.require(token);
}
