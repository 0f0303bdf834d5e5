import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureInfra, type InfraSettings } from '../../infra/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraSettings;
  }
}

/**
 * Brings up (or reuses) the real Kafka broker and S3Proxy and checks PostgreSQL and MariaDB. Failure to
 * start anything fails the whole run: integration tests never skip for want of a server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const handle = await ensureInfra({ root, log: (line) => console.log(`[infra] ${line}`) });
  console.log(`[infra] started: ${handle.started.join(', ') || 'nothing (all reused)'}`);
  project.provide('infra', handle.settings);
  return async () => {
    // Servers this run started are stopped again; ones `npm run infra:up` started stay for the next run.
    if (process.env.SLUICE_KEEP_INFRA !== '1') await handle.stop();
  };
}
