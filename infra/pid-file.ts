import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** What `infra up` records about a server it started, so `infra down` can stop exactly that process. */
export interface PidRecord {
  pid: number;
  /** The client port it was started on: a later `up` with other ports must not mistake it for a match. */
  port: number;
  /** A string in the process's command line (its config file's absolute path) proving the pid is still ours. */
  identity: string;
  startedAt: string;
  logFile: string;
}

/** The record, or undefined when there is no pid file or it cannot be read (then it is as good as stale). */
export function readPidFile(path: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const rec = JSON.parse(text) as Partial<PidRecord>;
    if (typeof rec.pid !== 'number' || !Number.isInteger(rec.pid) || rec.pid <= 1) return undefined;
    return {
      pid: rec.pid,
      port: typeof rec.port === 'number' ? rec.port : 0,
      identity: typeof rec.identity === 'string' ? rec.identity : '',
      startedAt: typeof rec.startedAt === 'string' ? rec.startedAt : '',
      logFile: typeof rec.logFile === 'string' ? rec.logFile : '',
    };
  } catch {
    return undefined;
  }
}

export function writePidFile(path: string, record: PidRecord): void {
  // Write then rename, so a concurrent reader never sees half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  renameSync(tmp, path);
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

export function pidFileExists(path: string): boolean {
  return existsSync(path);
}

/** Whether a process with this pid exists at all (a zombie counts as gone where /proc can tell). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else, so it is certainly not a server we started.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = procState(pid);
  return state === undefined || state !== 'Z';
}

/**
 * Whether the pid in a record is still the process we started. Pids are reused: after a reboot or a long
 * time, the number in a stale pid file can belong to an unrelated process, which `infra down` must never
 * signal. Where /proc exists, the command line has to contain the record's identity (the config path).
 */
export function isRecordedProcess(record: PidRecord): boolean {
  if (!isAlive(record.pid)) return false;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').join(' ');
    return record.identity !== '' && cmdline.includes(record.identity);
  } catch {
    return false;
  }
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": comm may contain spaces and parentheses, so split after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}
