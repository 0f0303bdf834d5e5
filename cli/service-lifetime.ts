import { createLogger, type Logger } from '../core/logger.ts';
import type { Env } from './env.ts';

export function loggerFromEnv(env: Env): Logger {
  return createLogger({ level: env.SLUICE_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
}

/** Keeps a long-running service up until SIGINT or SIGTERM, then stops it once and resolves. */
export function runUntilSignal(service: { stop(): Promise<void> }): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      service.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
