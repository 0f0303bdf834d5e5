import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * requestIds live in one namespace per workspace (the job id is derived from workspace + requestId), and
 * trusted Kafka producers pick theirs (`nightly-2026-12-01`). Every request the HTTP API creates is
 * therefore stored as `api:<id>`: an API caller can never take an id a producer may use, so a producer's
 * request is never turned away as a conflict because someone guessed its id first. Producers must not
 * start ids with `api:` (README, Security).
 */
export const API_REQUEST_PREFIX = 'api:';

/**
 * What an API caller may choose as an id: it is echoed back (the CSV generator's `{id}|0|0|{…}` line), so
 * a small alphabet with no separators, quotes or line breaks.
 */
export const CallerRequestIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
  message: '1–128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit',
});

export function apiRequestId(callerId: string): string {
  return `${API_REQUEST_PREFIX}${callerId}`;
}

/** The id as the caller gave it (what the CSV generator's answer line echoes). */
export function callerRequestId(requestId: string): string {
  return requestId.startsWith(API_REQUEST_PREFIX) ? requestId.slice(API_REQUEST_PREFIX.length) : requestId;
}

/**
 * The id when the caller gave none: stable per person and Idempotency-Key, so a retry is the same job and
 * a colleague's identical key is not; random without a key.
 */
export function defaultRequestId(userId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  const digest = createHash('sha256').update(userId).update('\0').update(idempotencyKey).digest('hex');
  return `idem-${digest.slice(0, 40)}`;
}
