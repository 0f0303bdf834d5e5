import { DEFAULT_SHUTDOWN_TIMEOUT_MS, type StopReport } from '../core/deadline.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { Env } from './env.ts';
import { ExitCodes } from './report-error.ts';

export function loggerFromEnv(env: Env): Logger {
  return createLogger({ level: env.SLUICE_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
}

/** A long-running service: `stop` gets the epoch-ms deadline it must be done by, and may say what it gave up on. */
export interface StoppableService {
  stop(deadline?: number): Promise<void | StopReport>;
}

/**
 * Keeps a long-running service up until SIGINT or SIGTERM, then stops it once, within `timeoutMs`:
 * - stopped in time, nothing given up on: resolves, and the command exits 0;
 * - a step given up on (a job not handed back, a disconnect that hung): exits 1 once the stop returns;
 * - the stop itself still running a second past the bound, or something (a Kafka client's reconnect timer)
 *   holding the process open after it: exits there and then, 1 (0 when the stop had finished cleanly);
 * - a second signal: exits at once, 130 / 143.
 * A SIGTERM that arrives while a client reconnects must still end the process: nothing here waits unbounded.
 */
export function runUntilSignal(
  service: StoppableService,
  { timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS, log }: { timeoutMs?: number; log?: Logger } = {},
): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: 'SIGINT' | 'SIGTERM') => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.once('SIGINT', () => process.exit(ExitCodes.sigint));
      process.once('SIGTERM', () => process.exit(ExitCodes.sigterm));
      const deadline = Date.now() + timeoutMs;
      log?.info('service.stopping', { signal, timeoutMs });
      let cleanlyStopped = false;
      // Unref'd: a process whose handles all closed exits by itself before it fires.
      setTimeout(() => {
        if (!cleanlyStopped) log?.error('service.shutdown_timed_out', { timeoutMs });
        process.exit(cleanlyStopped ? ExitCodes.ok : ExitCodes.runtime);
      }, timeoutMs + 1_000).unref();
      service.stop(deadline).then(
        (report) => {
          if (report && report.unfinished.length > 0) {
            log?.error('service.shutdown_incomplete', { unfinished: report.unfinished, timeoutMs });
            process.exit(ExitCodes.runtime);
          }
          cleanlyStopped = true;
          resolve();
        },
        (err: unknown) => {
          log?.error('service.shutdown_failed', { err });
          process.exit(ExitCodes.runtime);
        },
      );
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
