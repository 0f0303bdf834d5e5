import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceSpec } from '../managed-service.ts';
import { fetchWithMaven, pomProperty } from '../maven.ts';
import type { InfraPaths } from '../paths.ts';
import type { InfraConfig } from '../settings.ts';

const POM = fileURLToPath(new URL('./pom.xml', import.meta.url));

export function greenMailVersion(): string {
  return pomProperty(POM, 'greenmail.version');
}

/** Healthy means its REST API says the SMTP and IMAP servers are up (GET /api/service/readiness). */
export async function probeGreenMail(apiUrl: string): Promise<void> {
  const res = await fetch(`${apiUrl}/api/service/readiness`, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`GreenMail readiness answered ${res.status}`);
}

/**
 * GreenMail standalone: SMTP on `mailSmtpPort` (no authentication, every address accepted and kept in
 * memory), IMAP on the next port, and its REST API (read mails back, purge) on `mailApiPort`.
 */
export function greenMailService(config: InfraConfig, paths: InfraPaths): ServiceSpec {
  const version = greenMailVersion();
  const home = join(paths.cache, `greenmail-${version}`);
  const jar = join(home, `greenmail-standalone-${version}.jar`);
  // GreenMail reads no config file; this one records its settings and names our process (identity).
  const confFile = join(paths.conf, 'greenmail.properties');
  const logFile = join(paths.logs, 'greenmail.log');
  const apiUrl = `http://${config.host}:${config.mailApiPort}`;
  const props = {
    'greenmail.hostname': config.host,
    'greenmail.smtp.hostname': config.host,
    'greenmail.smtp.port': String(config.mailSmtpPort),
    'greenmail.imap.hostname': config.host,
    'greenmail.imap.port': String(config.mailSmtpPort + 118),
    'greenmail.auth.disabled': 'true',
    'greenmail.api.hostname': config.host,
    'greenmail.api.port': String(config.mailApiPort),
  };
  return {
    name: 'greenmail',
    title: 'GreenMail',
    host: config.host,
    port: config.mailSmtpPort,
    identity: confFile,
    logFile,
    stopGraceMs: 5_000,
    probe: () => probeGreenMail(apiUrl),
    prepare: async () => {
      await fetchWithMaven({
        pomFile: POM,
        outputDir: home,
        logFile: join(paths.logs, 'maven-greenmail.log'),
        label: `GreenMail ${version}`,
        log: config.log,
      });
      mkdirSync(paths.conf, { recursive: true });
      writeFileSync(
        confFile,
        Object.entries(props)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n') + '\n',
      );
      return {
        command: 'java',
        args: [
          '-Xmx128m',
          '-XX:+ExitOnOutOfMemoryError',
          `-Dgreenmail.properties.file=${confFile}`,
          ...Object.entries(props).map(([k, v]) =>
            v === 'true' && k.endsWith('disabled') ? `-D${k}` : `-D${k}=${v}`,
          ),
          '-jar',
          jar,
        ],
        cwd: home,
        logFile,
      };
    },
  };
}
