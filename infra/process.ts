import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, renameSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SluiceError } from '../core/errors.ts';
import { isAlive } from './pid-file.ts';
import { withLog } from './log-tail.ts';

export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  /** stdout and stderr both go here. */
  logFile: string;
}

export interface DetachedProcess {
  pid: number;
  /** Why the process is gone ("exited with code 1"), or undefined while it runs. */
  exitReason: () => string | undefined;
}

/** Keeps the previous run's log as `<file>.1`: after a crash and restart, the crash is still readable. */
export function rotateLog(logFile: string): void {
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
}

/**
 * Starts a server that outlives this process: its own process group (so a Ctrl-C in the terminal that ran
 * `infra up` does not reach it), output to a log file, and no handle keeping our event loop alive.
 */
export async function spawnDetached(launch: Launch): Promise<DetachedProcess> {
  const out = openSync(launch.logFile, 'a');
  try {
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      detached: true,
      stdio: ['ignore', out, out],
    });
    let exitReason: string | undefined;
    child.once('exit', (code, signal) => {
      exitReason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    });
    await spawned(child, launch);
    child.unref();
    return { pid: child.pid!, exitReason: () => exitReason };
  } finally {
    closeSync(out);
  }
}

/** Runs a command to completion with its output in a log file; resolves with the exit code. */
export async function runToExit(launch: Launch): Promise<number> {
  const out = openSync(launch.logFile, 'w');
  try {
    const child = spawn(launch.command, launch.args, { cwd: launch.cwd, stdio: ['ignore', out, out] });
    const exited = new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    await spawned(child, launch);
    return await exited;
  } finally {
    closeSync(out);
  }
}

function spawned(child: ReturnType<typeof spawn>, launch: Launch): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err: NodeJS.ErrnoException) => {
      const what =
        err.code === 'ENOENT'
          ? `\`${launch.command}\` is not on PATH`
          : `cannot run \`${launch.command}\`: ${err.message}`;
      reject(
        new SluiceError('INFRA_UNAVAILABLE', what, { cause: err, details: { command: launch.command } }),
      );
    });
  });
}

export interface StopOptions {
  /** How long the process may take to shut down cleanly after SIGTERM before it gets SIGKILL. */
  graceMs?: number;
  logFile?: string;
}

/**
 * Stops one process by pid: SIGTERM, wait, then SIGKILL. Only ever called with a pid that `infra up`
 * recorded and that still runs our command line; never by name. Resolves once the process is gone.
 */
export async function stopProcess(pid: number, name: string, opts: StopOptions = {}): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  if (await exited(pid, opts.graceMs ?? 30_000)) return;
  signal(pid, 'SIGKILL');
  if (await exited(pid, 5_000)) return;
  const message = `${name} (pid ${pid}) did not exit after SIGTERM and SIGKILL`;
  throw new SluiceError('INFRA_UNAVAILABLE', opts.logFile ? withLog(message, opts.logFile) : message, {
    details: { pid },
  });
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}
