import type { Command } from 'commander';
import {
  readDeliverySettings,
  readSchedulerSettings,
  readWorkerRoles,
  readWorkerSettings,
} from '../config.ts';
import type { Env } from '../env.ts';
import { loggerFromEnv, runUntilSignal } from '../service-lifetime.ts';

// The services are imported when the command runs: other commands need not load their dependencies.
export function registerWorkerCommand(program: Command, env: Env): void {
  program
    .command('worker')
    .description(
      'Run a complete worker: export jobs, fire schedules, and mail scheduled exports (SLUICE_WORKER_ROLES picks a subset).',
    )
    .action(async () => {
      const roles = readWorkerRoles(env);
      const log = loggerFromEnv(env);
      // Read every role's settings before starting any, so a bad setting fails the start, not a role later.
      const exportSettings = roles.includes('export') ? readWorkerSettings(env) : undefined;
      const schedulerSettings = roles.includes('scheduler') ? readSchedulerSettings(env) : undefined;
      const deliverySettings = roles.includes('delivery') ? readDeliverySettings(env) : undefined;
      if (roles.includes('delivery') && !deliverySettings)
        log.warn('delivery.disabled', {
          reason: 'SLUICE_SMTP_URL is not set: scheduled exports run but are not mailed',
        });

      const services: { stop(): Promise<void> }[] = [];
      const stopAll = async () => {
        for (const s of services.reverse()) await s.stop();
      };
      try {
        if (exportSettings)
          services.push(
            await (
              await import('../../consumers/export-worker/service.ts')
            ).startWorkerService(exportSettings, log),
          );
        if (schedulerSettings)
          services.push(
            await (
              await import('../../producers/scheduler/service.ts')
            ).startSchedulerService(schedulerSettings, log),
          );
        if (deliverySettings)
          services.push(
            await (
              await import('../../consumers/delivery/service.ts')
            ).startDeliveryService(deliverySettings, log),
          );
      } catch (err) {
        await stopAll();
        throw err;
      }
      process.stderr.write(
        `sluice worker running: ${roles.filter((r) => r !== 'delivery' || deliverySettings).join(', ')}\n`,
      );
      await runUntilSignal({ stop: stopAll });
    });
}
