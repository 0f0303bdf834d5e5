import { join } from 'node:path';
import { SluiceError } from '../core/errors.ts';
import { withLog } from './log-tail.ts';
import {
  isRecordedProcess,
  pidFileExists,
  readPidFile,
  removePidFile,
  writePidFile,
  type PidRecord,
} from './pid-file.ts';
import { isPortOpen } from './port.ts';
import { rotateLog, spawnDetached, stopProcess, type Launch } from './process.ts';
import { describeError, waitUntil } from './wait-until.ts';

/** A server that `infra up` can start, recognise and stop: Kafka and S3Proxy. */
export interface ServiceSpec {
  /** File-name friendly: the pid file is `<run>/<name>.pid`. */
  name: string;
  /** For messages, e.g. "Kafka broker". */
  title: string;
  host: string;
  port: number;
  /** A string in our process's command line (its config file's absolute path), so a reused pid is told apart. */
  identity: string;
  logFile: string;
  /** Resolves when the server really serves (a real client request); throws otherwise. Must be quick. */
  probe: () => Promise<void>;
  /** Everything before the start: fetch jars, write config, format storage. Only called when starting. */
  prepare: () => Promise<Launch>;
  /** How long SIGTERM may take before SIGKILL. */
  stopGraceMs: number;
}

export type ServiceState =
  /** Started by an earlier `infra up` of this repository and healthy. */
  | { kind: 'reused'; pid: number }
  /** Someone else's healthy server on our port: used, never stopped. */
  | { kind: 'external' }
  /** Started by this call. */
  | { kind: 'started'; pid: number };

export function pidFileOf(runDir: string, name: string): string {
  return join(runDir, `${name}.pid`);
}

/**
 * Reuse what is healthy, replace what is stale, start what is missing:
 *  - pid file, process alive and ours: reuse it once it answers (it may still be starting);
 *  - pid file, process gone (or the pid now belongs to another program): drop the file and start;
 *  - no pid file, port answers as this service should: reuse as external, never stop it;
 *  - no pid file, port taken by something else: fail, naming the port;
 *  - otherwise start, and wait for a real client request to succeed.
 */
export async function ensureService(
  spec: ServiceSpec,
  runDir: string,
  readyTimeoutMs: number,
  log: (line: string) => void,
): Promise<ServiceState> {
  const pidFile = pidFileOf(runDir, spec.name);
  const record = readPidFile(pidFile);
  if (record && isRecordedProcess(record)) return reuseOwn(spec, record, readyTimeoutMs, log);
  if (record)
    log(`${spec.title}: pid file names pid ${record.pid}, which is no longer ours; starting afresh`);
  removePidFile(pidFile);

  if (await isPortOpen(spec.host, spec.port)) {
    try {
      await spec.probe();
    } catch (err) {
      throw new SluiceError(
        'INFRA_UNAVAILABLE',
        `${spec.title}: ${spec.host}:${spec.port} is in use by something that is not a working ${spec.title} ` +
          `and was not started by sluice (${describeError(err)}). Free the port or choose another one.`,
        { cause: err, details: { port: spec.port } },
      );
    }
    log(
      `${spec.title}: reusing the server already on ${spec.host}:${spec.port} (not started by sluice; never stopped by it)`,
    );
    return { kind: 'external' };
  }
  return start(spec, pidFile, readyTimeoutMs, log);
}

async function reuseOwn(
  spec: ServiceSpec,
  record: PidRecord,
  readyTimeoutMs: number,
  log: (line: string) => void,
): Promise<ServiceState> {
  if (record.port !== spec.port) {
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      `${spec.title} is already running from this repository on port ${record.port} (pid ${record.pid}), ` +
        `not on the requested ${spec.port}: run \`sluice infra down\` first`,
      { details: { pid: record.pid, port: record.port } },
    );
  }
  const outcome = await waitUntil(spec.probe, {
    timeoutMs: readyTimeoutMs,
    giveUpIf: () => (isRecordedProcess(record) ? undefined : 'its process exited'),
  });
  if (!outcome.ok) {
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      withLog(
        `${spec.title} (pid ${record.pid}, started ${record.startedAt}) does not answer on ${spec.host}:${spec.port}: ` +
          `${outcome.reason}; last error: ${describeError(outcome.lastError)}. ` +
          'Run `sluice infra down` and `sluice infra up` to restart it.',
        spec.logFile,
      ),
      { cause: outcome.lastError, details: { pid: record.pid, logFile: spec.logFile } },
    );
  }
  log(`${spec.title}: already running (pid ${record.pid}), reusing it`);
  return { kind: 'reused', pid: record.pid };
}

async function start(
  spec: ServiceSpec,
  pidFile: string,
  readyTimeoutMs: number,
  log: (line: string) => void,
): Promise<ServiceState> {
  const launch = await spec.prepare();
  rotateLog(spec.logFile);
  const began = Date.now();
  const child = await spawnDetached(launch);
  const record: PidRecord = {
    pid: child.pid,
    port: spec.port,
    identity: spec.identity,
    startedAt: new Date().toISOString(),
    logFile: spec.logFile,
  };
  writePidFile(pidFile, record);
  log(
    `${spec.title}: started pid ${child.pid}, log ${spec.logFile}; waiting until it serves ${spec.host}:${spec.port}`,
  );

  const outcome = await waitUntil(spec.probe, {
    timeoutMs: readyTimeoutMs,
    giveUpIf: () => {
      const reason = child.exitReason();
      return reason === undefined ? undefined : `the process ${reason}`;
    },
  });
  if (!outcome.ok) {
    // A server we started but that never became healthy is ours to clean up, not something to leave behind.
    await stopProcess(child.pid, spec.title, { graceMs: 5_000, logFile: spec.logFile }).catch(() => {});
    removePidFile(pidFile);
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      withLog(
        `${spec.title} did not become ready on ${spec.host}:${spec.port}: ${outcome.reason}; ` +
          `last error: ${describeError(outcome.lastError)}`,
        spec.logFile,
      ),
      { cause: outcome.lastError, details: { logFile: spec.logFile } },
    );
  }
  log(`${spec.title}: ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return { kind: 'started', pid: child.pid };
}

/**
 * Stops the process a pid file names if it is still ours, then removes the file. With `onlyPid`, a pid file
 * naming another process (someone ran `infra down` and `up` since) is left alone. Resolves what was done.
 */
export async function stopRecorded(
  runDir: string,
  spec: Pick<ServiceSpec, 'name' | 'title' | 'stopGraceMs'>,
  onlyPid?: number,
): Promise<'stopped' | 'stale' | 'absent'> {
  const pidFile = pidFileOf(runDir, spec.name);
  if (!pidFileExists(pidFile)) return 'absent';
  const record = readPidFile(pidFile);
  if (onlyPid !== undefined && record?.pid !== onlyPid) return 'absent';
  if (!record || !isRecordedProcess(record)) {
    removePidFile(pidFile);
    return 'stale';
  }
  await stopProcess(record.pid, spec.title, {
    graceMs: spec.stopGraceMs,
    logFile: record.logFile || undefined,
  });
  removePidFile(pidFile);
  return 'stopped';
}
