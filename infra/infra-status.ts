import { redactUrl } from '../core/redact.ts';
import { probeMysql, probePostgres } from './databases/probe.ts';
import { pidFileOf, type ServiceSpec } from './managed-service.ts';
import { infraPaths } from './paths.ts';
import { isRecordedProcess, pidFileExists, readPidFile } from './pid-file.ts';
import { isPortOpen } from './port.ts';
import { managedServices } from './services.ts';
import { resolveInfraConfig, type InfraOptions } from './settings.ts';
import { describeError } from './wait-until.ts';

export interface ServiceStatus {
  name: string;
  endpoint: string;
  /**
   * running: started by `infra up`, answers. external: answers, not ours. starting-or-hung: ours, alive,
   * does not answer. stale: pid file of a dead process. stopped: nothing there. port-taken: something that
   * is not this service holds the port. down: a database that does not answer.
   */
  state: 'running' | 'external' | 'starting-or-hung' | 'stale' | 'stopped' | 'port-taken' | 'down';
  healthy: boolean;
  pid?: number;
  detail?: string;
}

/** Looks, never changes anything: no start, no stop, no pid file removed, no Maven. */
export async function infraStatus(opts: InfraOptions): Promise<ServiceStatus[]> {
  const config = resolveInfraConfig(opts);
  const paths = infraPaths(config.root);
  const services = await Promise.all(
    managedServices(config, paths).map((spec) => serviceStatus(spec, pidFileOf(paths.run, spec.name))),
  );
  const databases = await Promise.all([
    databaseStatus('postgres', config.databaseUrl, probePostgres),
    databaseStatus('mysql', config.mysqlUrl, probeMysql),
  ]);
  return [...services, ...databases];
}

async function serviceStatus(spec: ServiceSpec, pidFile: string): Promise<ServiceStatus> {
  const endpoint = `${spec.host}:${spec.port}`;
  const record = readPidFile(pidFile);
  const probe = async () => {
    try {
      await spec.probe();
      return undefined;
    } catch (err) {
      return describeError(err);
    }
  };
  if (record && isRecordedProcess(record)) {
    const error = await probe();
    const where = record.port === spec.port ? '' : ` on port ${record.port}`;
    return error === undefined
      ? {
          name: spec.name,
          endpoint,
          state: 'running',
          healthy: true,
          pid: record.pid,
          detail: `log ${spec.logFile}`,
        }
      : {
          name: spec.name,
          endpoint,
          state: 'starting-or-hung',
          healthy: false,
          pid: record.pid,
          detail: `${error}${where}`,
        };
  }
  const stale = pidFileExists(pidFile) ? ` (stale pid file ${pidFile})` : '';
  if (!(await isPortOpen(spec.host, spec.port))) {
    return {
      name: spec.name,
      endpoint,
      state: stale ? 'stale' : 'stopped',
      healthy: false,
      detail: stale.trim() || undefined,
    };
  }
  const error = await probe();
  return error === undefined
    ? { name: spec.name, endpoint, state: 'external', healthy: true, detail: `not started by sluice${stale}` }
    : { name: spec.name, endpoint, state: 'port-taken', healthy: false, detail: error };
}

async function databaseStatus(
  name: string,
  url: string,
  probe: (url: string) => Promise<void>,
): Promise<ServiceStatus> {
  const endpoint = redactUrl(url);
  try {
    await probe(url);
    return {
      name,
      endpoint,
      state: 'external',
      healthy: true,
      detail: 'answers SELECT 1 (not managed by sluice)',
    };
  } catch (err) {
    return { name, endpoint, state: 'down', healthy: false, detail: describeError(err) };
  }
}

/** One aligned line per service, for `sluice infra status`. */
export function formatStatus(statuses: ServiceStatus[]): string {
  const width = (pick: (s: ServiceStatus) => string) => Math.max(...statuses.map((s) => pick(s).length));
  const wName = width((s) => s.name);
  const wEndpoint = width((s) => s.endpoint);
  const wState = width((s) => s.state);
  return statuses
    .map((s) =>
      [
        s.name.padEnd(wName),
        s.endpoint.padEnd(wEndpoint),
        s.state.padEnd(wState),
        s.pid === undefined ? '' : `pid ${s.pid}`,
        s.detail ?? '',
      ]
        .filter((part, i) => i < 3 || part !== '')
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
