import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitUntilOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before every attempt; a string ends the wait at once with that reason (e.g. "process exited"). */
  giveUpIf?: () => string | undefined;
}

export type WaitOutcome = { ok: true } | { ok: false; reason: string; lastError: unknown };

/**
 * Retries `attempt` until it resolves, the time is up, or `giveUpIf` says there is no point. Never throws:
 * the caller turns the outcome into an error that names the log, which only it knows.
 */
export async function waitUntil(
  attempt: () => Promise<unknown>,
  opts: WaitUntilOptions,
): Promise<WaitOutcome> {
  const deadline = Date.now() + opts.timeoutMs;
  const intervalMs = opts.intervalMs ?? 500;
  let lastError: unknown = undefined;
  for (;;) {
    const gaveUp = opts.giveUpIf?.();
    if (gaveUp !== undefined) return { ok: false, reason: gaveUp, lastError };
    try {
      await attempt();
      return { ok: true };
    } catch (err) {
      lastError = err;
    }
    if (Date.now() + intervalMs > deadline) {
      return { ok: false, reason: `not ready after ${opts.timeoutMs / 1000} s`, lastError };
    }
    await sleep(intervalMs);
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`;
  }
  return String(err);
}
