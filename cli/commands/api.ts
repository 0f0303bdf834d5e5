import type { Command } from 'commander';
import { createLogger } from '../../core/logger.ts';
import { startApiService } from '../../producers/http/service.ts';
import { readApiSettings } from '../config.ts';
import type { Env } from '../env.ts';

export function registerApiCommand(program: Command, env: Env): void {
  program
    .command('api')
    .description(
      'Run the HTTP job API (POST /v1/exports, GET /v1/jobs/…) and the outbox relay that publishes its requests.',
    )
    .action(async () => {
      const settings = readApiSettings(env);
      const log = createLogger({ level: env.SLUICE_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
      const service = await startApiService(settings, log);
      process.stderr.write(`sluice api listening on ${settings.host}:${service.port}\n`);
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
