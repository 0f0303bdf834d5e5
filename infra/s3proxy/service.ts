import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceSpec } from '../managed-service.ts';
import { fetchWithMaven, pomProperty } from '../maven.ts';
import type { InfraPaths } from '../paths.ts';
import type { InfraConfig } from '../settings.ts';
import { s3ProxyProperties } from './config.ts';
import { probeS3, type S3Endpoint } from './probe.ts';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));

export function s3ProxyVersion(): string {
  return pomProperty(POM, 's3proxy.version');
}

export function s3EndpointOf(config: InfraConfig): S3Endpoint {
  return {
    endpoint: `http://${config.host}:${config.s3Port}`,
    region: config.s3Region,
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: config.s3SecretAccessKey,
  };
}

export function s3ProxyService(config: InfraConfig, paths: InfraPaths): ServiceSpec {
  const version = s3ProxyVersion();
  const home = join(paths.cache, `s3proxy-${version}`);
  const jar = join(home, `s3proxy-${version}-jar-with-dependencies.jar`);
  const baseDir = join(paths.data, 's3');
  const confFile = join(paths.conf, 's3proxy.conf');
  const logFile = join(paths.logs, 's3proxy.log');
  const endpoint = s3EndpointOf(config);

  return {
    name: 's3proxy',
    title: 'S3Proxy',
    host: config.host,
    port: config.s3Port,
    identity: confFile,
    logFile,
    stopGraceMs: 10_000,
    probe: () => probeS3(endpoint),
    prepare: async () => {
      await fetchWithMaven({
        pomFile: POM,
        outputDir: home,
        logFile: join(paths.logs, 'maven-s3proxy.log'),
        label: `S3Proxy ${version}`,
        log: config.log,
      });
      mkdirSync(baseDir, { recursive: true });
      writeFileSync(
        confFile,
        s3ProxyProperties({
          host: config.host,
          port: config.s3Port,
          identity: config.s3AccessKeyId,
          credential: config.s3SecretAccessKey,
          baseDir,
        }),
        { mode: 0o600 },
      );
      return {
        command: 'java',
        args: [
          '-Xmx256m',
          '-XX:+ExitOnOutOfMemoryError',
          '-Djava.awt.headless=true',
          '-jar',
          jar,
          '--properties',
          confFile,
        ],
        cwd: home,
        logFile,
      };
    },
  };
}
