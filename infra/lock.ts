import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SluiceError } from '../core/errors.ts';
import { isAlive } from './pid-file.ts';

/**
 * Serializes `infra up`/`infra down` per repository: a test run's global setup and a terminal's
 * `npm run infra:up` starting at once would otherwise both find the port closed and both start a broker.
 * The lock file holds the owner's pid, so a lock left by a killed process is taken over, not waited on.
 */
export async function withInfraLock<T>(
  runDir: string,
  log: (line: string) => void,
  fn: () => Promise<T>,
  waitMs = 10 * 60_000,
): Promise<T> {
  const path = join(runDir, 'infra.lock');
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = lockOwner(path);
    if (owner === undefined || !isAlive(owner)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new SluiceError(
        'INFRA_UNAVAILABLE',
        `another infra command (pid ${owner}) has held ${path} for over ${Math.round(waitMs / 1000)} s`,
        { details: { lock: path, owner } },
      );
    }
    if (!announced) {
      log(`waiting for another infra command (pid ${owner}) to finish`);
      announced = true;
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function lockOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
