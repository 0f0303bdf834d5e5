import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { rateLimitHeaders } from '../../auth/rate-limit-headers.ts';
import { SluiceError } from '../../core/errors.ts';
import { findJsonLimitViolation } from '../../schemas/json-limits.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticate } from './auth.ts';
import { declaresTooLarge, tooLarge } from './body-limit.ts';
import { invalid } from './problem.ts';
import { ratePolicyFor } from './routes-exports.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the onRequest guard for every authenticated route; read through authenticate(). */
    sluiceIdentity?: TokenIdentity;
    /** RateLimit headers of the check the onRequest guard made, repeated on the answer. */
    sluiceRateHeaders?: Record<string, string>;
  }
}

/**
 * Routes without a bearer token: nothing costly behind them (health, the API document, Prometheus's scrape,
 * the Jobs page's HTML, whose own calls carry the token), or a capability in the URL that the route checks
 * itself before it spends the link creator's rate token (a shared link's export).
 */
const PUBLIC_ROUTES = new Set([
  '/healthz',
  '/openapi.json',
  '/metrics',
  '/jobs',
  '/v1/shared-links/:token/export',
]);

/** The routes that create an export, and so plan a request (the costly part) and spend a rate token. */
const EXPORT_ROUTES = new Set([
  '/v1/exports',
  '/v1/reports/:id/export',
  '/v1/reports/:id/visuals/:visualId/export',
  '/v1/csv-generator',
  '/v1/actions',
]);

/**
 * The order the API's work happens in, cheapest refusal first: the token and the rate limit are checked in
 * `onRequest`, before fastify even reads the body — a caller without a token, or over its limit, costs one
 * or two indexed lookups, never parsing or planning. Once the body is parsed, `preValidation` refuses bytes
 * no job row could hold or no walk should follow (NUL, lone surrogates, deep nesting) with a 400 naming
 * the field, before any route code, hash or database sees them — in path and query parameters too.
 */
export function registerRequestGuards(app: FastifyInstance, deps: ApiDeps): void {
  app.addHook('onRequest', async (req, reply) => {
    // Cheapest of all: a declared length over the cap is refused before a token lookup or a rate token.
    if (declaresTooLarge(req.headers)) throw tooLarge();
    const route = req.routeOptions.url;
    if (route === undefined || PUBLIC_ROUTES.has(route)) return; // 404s and public routes
    const identity = await authenticate(deps.tokens, req);
    if (req.method === 'POST' && EXPORT_ROUTES.has(route)) {
      const policy = ratePolicyFor(identity, deps.ratePolicies);
      const decision = await deps.rateLimiter.check(policy, identity);
      req.sluiceRateHeaders = rateLimitHeaders(policy, decision);
      if (!decision.allowed) {
        reply.headers(req.sluiceRateHeaders);
        throw new SluiceError(
          'RATE_LIMITED',
          `rate limit exceeded; retry in ${decision.retryAfterSeconds} s`,
          {
            retriable: true,
          },
        );
      }
    }
  });

  app.addHook('preValidation', async (req) => {
    // Path and query parameters reach the same database: a NUL there would be a 500 from PostgreSQL.
    for (const part of [req.params, req.query]) {
      const violation = part && typeof part === 'object' ? findJsonLimitViolation(part) : undefined;
      if (violation) throw invalid([violation]);
    }
    if (req.body === undefined || req.body === null) return;
    const violation = findJsonLimitViolation(req.body);
    if (violation) throw invalid([violation]);
  });
}

/** Whether the onRequest guard already spent this request's rate token. */
export function rateChecked(req: FastifyRequest): boolean {
  return req.sluiceRateHeaders !== undefined;
}
