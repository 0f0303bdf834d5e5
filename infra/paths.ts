import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where `infra up` keeps its state, all under `<root>/.infra/` (ignored by git). */
export interface InfraPaths {
  base: string;
  /** Maven downloads, one folder per artifact and version; kept across `infra down`. */
  cache: string;
  /** Broker logs and stored objects; kept across `infra down` so a restart keeps topics and buckets. */
  data: string;
  logs: string;
  /** Pid files and the lock of a running `infra up`. */
  run: string;
  /** Generated server.properties and s3proxy.conf; rewritten on every start. */
  conf: string;
}

export function infraPaths(root: string): InfraPaths {
  const base = join(resolve(root), '.infra');
  return {
    base,
    cache: join(base, 'cache'),
    data: join(base, 'data'),
    logs: join(base, 'logs'),
    run: join(base, 'run'),
    conf: join(base, 'conf'),
  };
}

export function makeInfraDirs(paths: InfraPaths): void {
  for (const dir of [paths.cache, paths.data, paths.logs, paths.run, paths.conf])
    mkdirSync(dir, { recursive: true });
}
