import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../../core/errors.ts';
import { withLog } from '../log-tail.ts';
import type { ServiceSpec } from '../managed-service.ts';
import { fetchWithMaven, pomProperty } from '../maven.ts';
import type { InfraPaths } from '../paths.ts';
import { runToExit } from '../process.ts';
import type { InfraConfig } from '../settings.ts';
import { probeKafka } from './probe.ts';
import { KAFKA_CLUSTER_ID, kafkaServerProperties } from './server-properties.ts';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));

/**
 * slf4j-simple writes to stderr (our log file). Timestamps make the log readable; the config dumps
 * (~2,000 lines of "KafkaConfig values") would bury a startup error's last lines, so AbstractConfig is quiet.
 */
const LOGGING = [
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
  '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn',
];

export function kafkaVersion(): string {
  return pomProperty(POM, 'kafka.version');
}

export function kafkaService(config: InfraConfig, paths: InfraPaths): ServiceSpec {
  const version = kafkaVersion();
  const home = join(paths.cache, `kafka-${version}`);
  const libs = join(home, 'libs');
  const classpath = join(libs, '*'); // expanded by java itself, not a shell
  const dataDir = join(paths.data, 'kafka');
  const propsFile = join(paths.conf, 'kafka', 'server.properties');
  const logFile = join(paths.logs, 'kafka.log');

  return {
    name: 'kafka',
    title: 'Kafka broker',
    host: config.host,
    port: config.kafkaPort,
    identity: propsFile,
    logFile,
    stopGraceMs: 30_000,
    probe: async () => {
      await probeKafka(`${config.host}:${config.kafkaPort}`);
    },
    prepare: async () => {
      await fetchWithMaven({
        pomFile: POM,
        outputDir: libs,
        logFile: join(paths.logs, 'maven-kafka.log'),
        label: `Kafka ${version}`,
        log: config.log,
      });
      mkdirSync(dataDir, { recursive: true });
      mkdirSync(join(paths.conf, 'kafka'), { recursive: true });
      writeFileSync(
        propsFile,
        kafkaServerProperties({
          host: config.host,
          port: config.kafkaPort,
          controllerPort: config.kafkaControllerPort,
          dataDir,
        }),
      );
      await formatStorage(classpath, propsFile, join(paths.logs, 'kafka-format.log'), home);
      return {
        command: 'java',
        args: [
          '-Xms256m',
          '-Xmx512m',
          '-XX:+UseG1GC',
          '-XX:+ExitOnOutOfMemoryError',
          '-Djava.awt.headless=true',
          ...LOGGING,
          '-cp',
          classpath,
          'kafka.Kafka',
          propsFile,
        ],
        cwd: home,
        logFile,
      };
    },
  };
}

/** KRaft needs its log folder formatted once; `-g` makes a re-run with the same cluster id a no-op. */
async function formatStorage(
  classpath: string,
  propsFile: string,
  logFile: string,
  cwd: string,
): Promise<void> {
  const code = await runToExit({
    command: 'java',
    args: [
      ...LOGGING,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      KAFKA_CLUSTER_ID,
      '-g',
      '-c',
      propsFile,
    ],
    cwd,
    logFile,
  });
  if (code !== 0) {
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      withLog(
        `formatting Kafka storage failed (exit code ${code}). If the data folder was formatted by another ` +
          'cluster id or version, delete .infra/data/kafka (topics are lost) and try again',
        logFile,
        15,
      ),
      { details: { logFile } },
    );
  }
}
