import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import {
  ensureInfra,
  formatSettings,
  formatStatus,
  infraStatus,
  stopInfra,
  type InfraOptions,
} from '../../infra/index.ts';
import type { Env } from '../env.ts';

/** The repository this file belongs to: `.infra/` lives there whatever the current directory is. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const progress = (line: string) => process.stderr.write(`infra: ${line}\n`);

/**
 * Overrides from the environment, all optional: SLUICE_KAFKA_PORT, SLUICE_KAFKA_CONTROLLER_PORT,
 * SLUICE_S3_PORT, SLUICE_SCHEMA_REGISTRY_PORT, SLUICE_SCHEMA_REGISTRY_MANAGEMENT_PORT,
 * SLUICE_REGISTRY_JAVA_HOME (a Java 21+ for the registry), SLUICE_S3_BUCKET, SLUICE_DATABASE_URL, SLUICE_MYSQL_URL.
 */
export function infraOptionsFromEnv(env: Env): Omit<InfraOptions, 'root' | 'log'> {
  const port = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65_535) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `${name} must be a port number (1..65535), got ${JSON.stringify(raw)}`,
      );
    }
    return n;
  };
  const text = (name: string): string | undefined => env[name] || undefined;
  return {
    ports: {
      kafka: port('SLUICE_KAFKA_PORT'),
      kafkaController: port('SLUICE_KAFKA_CONTROLLER_PORT'),
      s3: port('SLUICE_S3_PORT'),
      schemaRegistry: port('SLUICE_SCHEMA_REGISTRY_PORT'),
      schemaRegistryManagement: port('SLUICE_SCHEMA_REGISTRY_MANAGEMENT_PORT'),
    },
    registryJavaHome: text('SLUICE_REGISTRY_JAVA_HOME'),
    s3: { bucket: text('SLUICE_S3_BUCKET') },
    databaseUrl: text('SLUICE_DATABASE_URL'),
    mysqlUrl: text('SLUICE_MYSQL_URL'),
  };
}

export function registerInfraCommand(program: Command, env: Env): void {
  const infra = program
    .command('infra')
    .description(
      'Local Kafka broker, S3Proxy and schema registry (from Maven Central), PostgreSQL and MariaDB checks.',
    );

  infra
    .command('up')
    .description('Start or reuse everything, wait until it serves, then print KEY=value settings to stdout.')
    .action(async () => {
      const began = Date.now();
      const handle = await ensureInfra({ ...infraOptionsFromEnv(env), root: REPO_ROOT, log: progress });
      const what =
        handle.started.length > 0 ? `started ${handle.started.join(', ')}` : 'everything was already up';
      progress(
        `ready in ${((Date.now() - began) / 1000).toFixed(1)} s (${what}); stop with \`npm run infra:down\``,
      );
      process.stdout.write(formatSettings(handle.settings) + '\n');
    });

  infra
    .command('down')
    .description('Stop what `infra up` started (by the pids it recorded); data and downloads are kept.')
    .action(async () => {
      const stopped = await stopInfra({ root: REPO_ROOT, log: progress });
      progress(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing to stop');
    });

  infra
    .command('status')
    .description('Show what runs and answers; exits non-zero when something is not healthy.')
    .action(async () => {
      const statuses = await infraStatus({ ...infraOptionsFromEnv(env), root: REPO_ROOT });
      process.stdout.write(formatStatus(statuses) + '\n');
      const unhealthy = statuses.filter((s) => !s.healthy).map((s) => s.name);
      if (unhealthy.length > 0) {
        throw new SluiceError(
          'INFRA_UNAVAILABLE',
          `not healthy: ${unhealthy.join(', ')} (run \`npm run infra:up\`)`,
        );
      }
    });
}
