import type { Command } from 'commander';
import { createLogger } from '../../core/logger.ts';
import { startWorkerService } from '../../consumers/export-worker/service.ts';
import { readWorkerSettings } from '../config.ts';
import type { Env } from '../env.ts';

export function registerWorkerCommand(program: Command, env: Env): void {
  program
    .command('worker')
    .description('Run an export worker: consume sluice.export.requests, export to S3, emit outcome events.')
    .action(async () => {
      const settings = readWorkerSettings(env);
      const log = createLogger({ level: env.SLUICE_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
      const service = await startWorkerService(settings, log);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          service.stop().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
