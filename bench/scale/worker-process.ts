import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LogLine {
  t: string;
  event: string;
  jobId?: string;
  [field: string]: unknown;
}

/**
 * A real `sluice worker` child process (bin/sluice.mjs runs the CLI in-process, so this pid is the worker
 * itself). Its JSON log lines on stderr say when a job started and ended; its peak RSS is the kernel's
 * VmHWM, reset between jobs through /proc/<pid>/clear_refs so each job gets its own peak.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly #waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  readonly lines: LogLine[] = [];

  constructor(env: NodeJS.ProcessEnv, nodeArgs: string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, 'bin/sluice.mjs', 'worker'], {
      env,
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    createInterface({ input: this.child.stderr! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.lines.push(line);
      if (line.level === 'error' || line.event.endsWith('failed')) process.stderr.write(`worker: ${text}\n`);
      for (const w of [...this.#waiters]) {
        if (w.match(line)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  waitFor(match: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`worker exited (${code}) while waiting for ${what}`));
      const timer = setTimeout(
        () => reject(new Error(`worker: no ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          this.child.off('exit', onExit);
          resolve(l);
        },
      });
      this.child.once('exit', onExit);
    });
  }

  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return (Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024) / 1e6;
  }

  resetPeak(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
