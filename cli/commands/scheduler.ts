import type { Command } from 'commander';
import { readSchedulerSettings, readShutdownTimeout } from '../config.ts';
import type { Env } from '../env.ts';
import { loggerFromEnv, runUntilSignal } from '../service-lifetime.ts';

// The service is imported when the command runs: other commands need not load its dependencies.
export function registerSchedulerCommand(program: Command, env: Env): void {
  program
    .command('scheduler')
    .description(
      'Run only the scheduler role: fire due schedules as export requests (sluice worker runs it too).',
    )
    .action(async () => {
      const settings = readSchedulerSettings(env);
      const log = loggerFromEnv(env);
      const timeoutMs = readShutdownTimeout(env);
      const service = await (
        await import('../../producers/scheduler/service.ts')
      ).startSchedulerService(settings, log);
      process.stderr.write(`sluice scheduler ${service.schedulerId} running\n`);
      await runUntilSignal(service, { timeoutMs, log });
    });
}
