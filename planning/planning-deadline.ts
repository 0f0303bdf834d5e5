import { invalidFields } from '../schemas/parse-contract.ts';

/**
 * How long planning one request may take unless SLUICE_PLANNING_TIMEOUT_MS says otherwise. The worst body
 * the caps allow plans in ~1 s on an idle 2-core machine; 10 s leaves room for a loaded one, so a request
 * the API accepted is not refused by a busy worker, while no body can hold a process for long.
 */
export const DEFAULT_PLANNING_TIMEOUT_MS = 10_000;

export interface DeadlineOptions {
  /** The caller gave up (a closed connection, a stopping worker): stop at the next unit too. */
  signal?: AbortSignal;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * A checkpoint that throws REQUEST_INVALID naming the planning time limit once `timeoutMs` has passed or
 * the signal is aborted. A clock, not a timer: planning units that never yield to the event loop still see it.
 */
export function planningDeadline(timeoutMs: number, options: DeadlineOptions = {}): () => void {
  const now = options.now ?? Date.now;
  const deadline = now() + timeoutMs;
  return () => {
    const aborted = options.signal?.aborted === true;
    if (!aborted && now() <= deadline) return;
    throw invalidFields([
      {
        field: 'query',
        rule: aborted
          ? 'planning was cancelled'
          : `planned within ${timeoutMs} ms (the planning time limit, SLUICE_PLANNING_TIMEOUT_MS); ask for fewer visuals, columns or requests`,
      },
    ]);
  };
}
