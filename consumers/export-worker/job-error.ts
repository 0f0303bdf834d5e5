import { isSluiceError } from '../../core/errors.ts';
import { redactText } from '../../core/redact.ts';
import type { JobError } from '../../jobs/job.ts';

/**
 * How any failure is reported on the failed topic: a SluiceError speaks for itself; anything else is a bug
 * of ours (INTERNAL_ERROR), since every expected failure is turned into a SluiceError where it is understood.
 */
export function toJobError(err: unknown): JobError {
  if (isSluiceError(err)) return { code: err.code, message: err.message, retriable: err.retriable };
  const message = redactText(err instanceof Error ? err.message : String(err));
  return { code: 'INTERNAL_ERROR', message: `unexpected error: ${message}`, retriable: false };
}
