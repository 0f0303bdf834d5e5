import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

export interface ApiProcess {
  url: string;
  pid: number;
  /** What the process wrote to stderr so far (its logs), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real `sluice api` process, configured the way an operator would (environment variables: the servers'
 * settings plus any overrides), on a free port. Fails loudly if it does not come up within `timeoutMs`.
 * No vitest import here: the load benchmark starts its API the same way.
 */
export async function spawnApiProcess(
  settings: Record<string, string>,
  extraEnv: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ApiProcess> {
  const child: ChildProcess = spawn(process.execPath, [bin, 'api'], {
    env: {
      ...process.env,
      ...settings,
      SLUICE_API_HOST: '127.0.0.1',
      SLUICE_API_PORT: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice api did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on [^\s:]+:(\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice api exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
