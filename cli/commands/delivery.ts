import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import { readDeliverySettings, readShutdownTimeout } from '../config.ts';
import type { Env } from '../env.ts';
import { loggerFromEnv, runUntilSignal } from '../service-lifetime.ts';

// The service is imported when the command runs: other commands need not load its dependencies.
export function registerDeliveryCommand(program: Command, env: Env): void {
  program
    .command('delivery')
    .description(
      'Run only the delivery role: mail scheduled exports to their recipients (sluice worker runs it too).',
    )
    .action(async () => {
      const settings = readDeliverySettings(env);
      if (!settings) throw new SluiceError('CONFIG_INVALID', 'sluice delivery needs SLUICE_SMTP_URL');
      const timeoutMs = readShutdownTimeout(env);
      const log = loggerFromEnv(env);
      const service = await (
        await import('../../consumers/delivery/service.ts')
      ).startDeliveryService(settings, log);
      process.stderr.write('sluice delivery running\n');
      await runUntilSignal(service, { timeoutMs: timeoutMs, log });
    });
}
