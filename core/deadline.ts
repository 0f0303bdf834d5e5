import type { Logger } from './logger.ts';

/** How long a service may take to stop (SLUICE_SHUTDOWN_TIMEOUT_MS): under Kubernetes' 30 s grace period. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;

/** What a bounded stop left undone: the steps still pending when their deadline passed. */
export interface StopReport {
  unfinished: string[];
}

/**
 * Waits for `work` until `deadline` (epoch ms) at the latest. A step that hangs (a Kafka disconnect while the
 * client reconnects, `pool.end()` against a database that stopped answering) is given up on, not cancelled:
 * the caller goes on with the next step, and the process exits at the bound whatever the step still holds.
 * Never rejects; a failed or late step is logged, and a late one is named in `report`.
 */
export async function settleBy(
  step: string,
  work: Promise<unknown> | (() => Promise<unknown>),
  deadline: number,
  log: Logger,
  report: StopReport,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()));
  });
  try {
    const pending = typeof work === 'function' ? work() : work;
    const outcome = await Promise.race([pending.then(() => 'done' as const), late]);
    if (outcome === 'late') {
      // The step may still settle later; its rejection must not become an unhandled one.
      pending.catch(() => {});
      log.warn('shutdown.step_timed_out', { step });
      report.unfinished.push(step);
    }
  } catch (err) {
    // Failed is finished: a disconnect refused by an unreachable broker has nothing left to wait for.
    log.warn('shutdown.step_failed', { step, err });
  } finally {
    clearTimeout(timer);
  }
}
