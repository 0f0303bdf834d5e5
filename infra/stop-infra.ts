import { withInfraLock } from './lock.ts';
import { stopRecorded } from './managed-service.ts';
import { infraPaths, makeInfraDirs } from './paths.ts';
import { managedServices } from './services.ts';
import { resolveInfraConfig } from './settings.ts';

export interface StopInfraOptions {
  root: string;
  log?: (line: string) => void;
}

/**
 * Stops what `infra up` started in this repository: the pids in its pid files, and only while each pid
 * still runs our command line (never by process name; external servers have no pid file). Waits until the
 * processes are gone, removes the pid files, keeps data and downloads. Resolves the names it stopped.
 */
export async function stopInfra(opts: StopInfraOptions): Promise<string[]> {
  const config = resolveInfraConfig({ root: opts.root, ...(opts.log ? { log: opts.log } : {}) });
  const paths = infraPaths(config.root);
  makeInfraDirs(paths);
  const log = config.log;
  return withInfraLock(paths.run, log, async () => {
    const specs = managedServices(config, paths);
    const outcomes = await Promise.all(specs.map((spec) => stopRecorded(paths.run, spec)));
    const stopped: string[] = [];
    outcomes.forEach((outcome, i) => {
      const spec = specs[i]!;
      if (outcome === 'stopped') {
        stopped.push(spec.name);
        log(`${spec.title}: stopped`);
      } else if (outcome === 'stale') {
        log(`${spec.title}: was not running (removed a stale pid file)`);
      } else {
        log(`${spec.title}: not started by sluice, nothing to stop`);
      }
    });
    return stopped;
  });
}
