import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../../core/errors.ts';
import { withLog } from '../log-tail.ts';
import type { ServiceSpec } from '../managed-service.ts';
import { fetchWithMaven, pomProperty } from '../maven.ts';
import type { InfraPaths } from '../paths.ts';
import { runToExit } from '../process.ts';
import type { InfraConfig } from '../settings.ts';
import { schemaRegistryProperties } from './config.ts';
import { findJava } from './java.ts';
import { probeSchemaRegistry } from './probe.ts';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
/** Apicurio Registry 3.3's classes are Java 21 class files. */
const MIN_JAVA = 21;

export function apicurioVersion(): string {
  return pomProperty(POM, 'apicurio.version');
}

/** The Confluent-compatible base URL clients are given (`SCHEMA_REGISTRY_URL`). */
export function schemaRegistryUrlOf(config: InfraConfig): string {
  return `http://${config.host}:${config.schemaRegistryPort}/apis/ccompat/v7`;
}

export function schemaRegistryService(config: InfraConfig, paths: InfraPaths): ServiceSpec {
  const version = apicurioVersion();
  const home = join(paths.cache, `apicurio-registry-${version}`);
  const download = join(home, 'download');
  const app = join(home, 'app');
  const confFile = join(paths.conf, 'schema-registry.properties');
  const logFile = join(paths.logs, 'schema-registry.log');
  const dataDir = join(paths.data, 'schema-registry');
  const url = schemaRegistryUrlOf(config);

  return {
    name: 'schema-registry',
    title: 'Schema registry',
    host: config.host,
    port: config.schemaRegistryPort,
    identity: confFile,
    logFile,
    stopGraceMs: 15_000,
    probe: () => probeSchemaRegistry(url),
    prepare: async () => {
      const java = findJava(MIN_JAVA, config.registryJavaHome);
      await fetchWithMaven({
        pomFile: POM,
        outputDir: download,
        logFile: join(paths.logs, 'maven-schema-registry.log'),
        label: `Apicurio Registry ${version}`,
        fileSuffix: '.tar.gz',
        log: config.log,
      });
      await unpackOnce(download, app, join(paths.logs, 'unpack-schema-registry.log'));
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(
        confFile,
        schemaRegistryProperties({
          host: config.host,
          port: config.schemaRegistryPort,
          managementPort: config.schemaRegistryManagementPort,
          dataDir,
        }),
      );
      return {
        command: java,
        args: [
          '-Xmx512m',
          '-XX:+ExitOnOutOfMemoryError',
          `-Dquarkus.config.locations=${confFile}`,
          '-jar',
          join(app, 'quarkus-run.jar'),
        ],
        cwd: app,
        logFile,
      };
    },
  };
}

/**
 * Unpacks the downloaded archive into `app` once: into a sibling folder first and renamed when complete, so
 * an interrupted unpack never passes for a finished one.
 */
async function unpackOnce(download: string, app: string, logFile: string): Promise<void> {
  if (existsSync(join(app, 'quarkus-run.jar'))) return;
  const archive = readdirSync(download).find((f) => f.endsWith('.tar.gz'));
  if (!archive) {
    throw new SluiceError('INFRA_UNAVAILABLE', `no Apicurio Registry archive in ${download}`, {
      details: { download },
    });
  }
  const partial = `${app}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const code = await runToExit({
    command: 'tar',
    args: ['-xzf', join(download, archive), '-C', partial],
    cwd: partial,
    logFile,
  });
  if (code !== 0 || !existsSync(join(partial, 'quarkus-run.jar'))) {
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      withLog(`could not unpack ${archive} (tar exit code ${code})`, logFile),
      { details: { archive, logFile } },
    );
  }
  rmSync(app, { recursive: true, force: true });
  renameSync(partial, app);
}
