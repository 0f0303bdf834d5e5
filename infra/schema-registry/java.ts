import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SluiceError } from '../../core/errors.ts';

/** The feature release of a `java -version` answer: `17.0.15` → 17, `1.8.0_402` → 8. */
export function javaMajorOf(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

function majorOf(java: string): number | undefined {
  const run = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (run.error || run.status !== 0) return undefined;
  return javaMajorOf(`${run.stderr}${run.stdout}`);
}

/**
 * A `java` of at least `minMajor`: the one named by `javaHome` if given, else JAVA_HOME's, the one on PATH,
 * then the JDKs under /usr/lib/jvm (newest first). Apicurio Registry 3.3 needs Java 21 while Kafka and
 * S3Proxy run on the machine's default 17, so this one server may need a JDK that is not the default.
 */
export function findJava(minMajor: number, javaHome: string | undefined): string {
  const candidates: string[] = [];
  if (javaHome) candidates.push(join(javaHome, 'bin', 'java'));
  else {
    if (process.env.JAVA_HOME) candidates.push(join(process.env.JAVA_HOME, 'bin', 'java'));
    candidates.push('java');
    const jvmDir = '/usr/lib/jvm';
    if (existsSync(jvmDir)) {
      for (const dir of readdirSync(jvmDir).sort().reverse())
        candidates.push(join(jvmDir, dir, 'bin', 'java'));
    }
  }
  const seen: string[] = [];
  for (const java of candidates) {
    const major = majorOf(java);
    if (major !== undefined && major >= minMajor) return java;
    seen.push(`${java}: ${major ?? 'not runnable'}`);
  }
  throw new SluiceError(
    'INFRA_UNAVAILABLE',
    `the schema registry needs Java ${minMajor} or newer and none was found (${seen.join('; ')}); ` +
      `install one (e.g. a Temurin ${minMajor}+ JDK) or point SLUICE_REGISTRY_JAVA_HOME at it`,
    { details: { minMajor, tried: seen } },
  );
}
