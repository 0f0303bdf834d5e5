import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `lines` lines of a log, for error messages: a failed start is only diagnosable with the
 * server's own words next to it. Reads at most the last 64 KiB, so a huge log costs nothing.
 */
export function logTail(path: string, lines = 40): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return `(no log at ${path})`;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const tail = buf
      .toString('utf8')
      .split('\n')
      .slice(-lines - 1);
    const text = tail.join('\n').trimEnd();
    return text === '' ? `(${path} is empty)` : text;
  } finally {
    closeSync(fd);
  }
}

/** The message suffix every infra failure carries: where the log is and how it ends. */
export function withLog(message: string, logFile: string, lines = 40): string {
  return `${message}\n--- last lines of ${logFile} ---\n${logTail(logFile, lines)}\n---`;
}
