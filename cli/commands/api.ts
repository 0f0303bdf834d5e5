import type { Command } from 'commander';
import { readApiSettings, readShutdownTimeout } from '../config.ts';
import type { Env } from '../env.ts';
import { loggerFromEnv, runUntilSignal } from '../service-lifetime.ts';

// The service is imported when the command runs: other commands need not load its dependencies.
export function registerApiCommand(program: Command, env: Env): void {
  program
    .command('api')
    .description(
      'Run the HTTP job API (POST /v1/exports, GET /v1/jobs/…) and the outbox relay that publishes its requests.',
    )
    .action(async () => {
      const settings = readApiSettings(env);
      const log = loggerFromEnv(env);
      const timeoutMs = readShutdownTimeout(env);
      const service = await (await import('../../producers/http/service.ts')).startApiService(settings, log);
      process.stderr.write(`sluice api listening on ${settings.host}:${service.port}\n`);
      await runUntilSignal(service, { timeoutMs, log });
    });
}
