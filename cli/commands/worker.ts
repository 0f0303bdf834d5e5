import type { Command } from 'commander';
import {
  readDeliverySettings,
  readSchedulerSettings,
  readWorkerRoles,
  readShutdownTimeout,
  readWorkerSettings,
} from '../config.ts';
import type { StopReport } from '../../core/deadline.ts';
import type { Env } from '../env.ts';
import { loggerFromEnv, runUntilSignal, type StoppableService } from '../service-lifetime.ts';

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

      const shutdownTimeoutMs = readShutdownTimeout(env);
      const services: StoppableService[] = [];
      // One deadline for all roles, each stopped in turn; every role bounds its own steps by it.
      const stopAll = async (deadline = Date.now() + shutdownTimeoutMs): Promise<StopReport> => {
        const report: StopReport = { unfinished: [] };
        for (const s of services.reverse()) {
          const r = await s.stop(deadline);
          if (r) report.unfinished.push(...r.unfinished);
        }
        return report;
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
      await runUntilSignal({ stop: stopAll }, { timeoutMs: shutdownTimeoutMs, log });
    });
}
