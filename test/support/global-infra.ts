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
  // A developer running several checkouts at once gives each its own databases, so their job tables
  // and schemas never meet; CI and a single checkout use the defaults.
  const handle = await ensureInfra({
    root,
    log: (line) => console.log(`[infra] ${line}`),
    ...(process.env.SLUICE_TEST_DATABASE_URL ? { databaseUrl: process.env.SLUICE_TEST_DATABASE_URL } : {}),
    ...(process.env.SLUICE_TEST_MYSQL_URL ? { mysqlUrl: process.env.SLUICE_TEST_MYSQL_URL } : {}),
  });
  console.log(`[infra] started: ${handle.started.join(', ') || 'nothing (all reused)'}`);
  project.provide('infra', handle.settings);
  return async () => {
    // Servers this run started are stopped again; ones `npm run infra:up` started stay for the next run.
    if (process.env.SLUICE_KEEP_INFRA !== '1') await handle.stop();
  };
}
