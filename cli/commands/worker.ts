import type { Command } from 'commander';
import { readWorkerSettings } from '../config.ts';
import type { Env } from '../env.ts';
import { loggerFromEnv, runUntilSignal } from '../service-lifetime.ts';

// The service is imported when the command runs: other commands need not load its dependencies.
export function registerWorkerCommand(program: Command, env: Env): void {
  program
    .command('worker')
    .description('Run an export worker: consume sluice.export.requests, export to S3, emit outcome events.')
    .action(async () => {
      const settings = readWorkerSettings(env);
      const log = loggerFromEnv(env);
      const service = await (
        await import('../../consumers/export-worker/service.ts')
      ).startWorkerService(settings, log);
      await runUntilSignal(service);
    });
}
