import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SluiceError } from '../core/errors.ts';
import { withLog } from './log-tail.ts';
import { runToExit } from './process.ts';

/** A `<name>value</name>` property of a pom, so each pom is the one place its version is written. */
export function pomProperty(pomFile: string, name: string): string {
  const text = readFileSync(pomFile, 'utf8');
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`<${escaped}>\\s*([^<\\s]+)\\s*</${escaped}>`).exec(text);
  if (!match?.[1]) {
    throw new SluiceError('INFRA_UNAVAILABLE', `${pomFile} has no <${name}> property`, {
      details: { pomFile },
    });
  }
  return match[1];
}

const MARKER = '.sluice-complete';

export interface MavenFetch {
  pomFile: string;
  /** Where the jars go; wiped before a download so a half-finished one never counts. */
  outputDir: string;
  logFile: string;
  /** For progress and errors, e.g. "Kafka 4.4.0". */
  label: string;
  /** How the fetched files' names end; a copy without one is a failed copy. Default `.jar`. */
  fileSuffix?: string;
  log: (line: string) => void;
}

// One Maven at a time in this process: two resolving into the same ~/.m2 at once can corrupt a download.
let mavenQueue: Promise<unknown> = Promise.resolve();

/**
 * Copies a pom's runtime dependencies into `outputDir` with Maven, once. A marker holding the pom's hash is
 * written only after a complete copy, so later runs skip Maven entirely (no JVM start, no network) and an
 * edited pom is fetched again.
 */
export function fetchWithMaven(fetch: MavenFetch): Promise<void> {
  const run = mavenQueue.then(() => fetchOnce(fetch));
  mavenQueue = run.catch(() => {});
  return run;
}

async function fetchOnce({
  pomFile,
  outputDir,
  logFile,
  label,
  log,
  fileSuffix = '.jar',
}: MavenFetch): Promise<void> {
  const hash = createHash('sha256').update(readFileSync(pomFile)).digest('hex');
  const marker = join(outputDir, MARKER);
  if (readOrEmpty(marker) === hash) return;

  log(`fetching ${label} with Maven into ${outputDir} (first run only; see ${logFile})`);
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const started = Date.now();
  const code = await runToExit({
    command: 'mvn',
    args: [
      '-B',
      '-q',
      '-f',
      pomFile,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${outputDir}`,
      '-DincludeScope=runtime',
    ],
    // Not the pom's folder: nothing Maven might write belongs in the repository.
    cwd: dirname(outputDir),
    logFile,
  });
  const jars = readdirSync(outputDir).filter((f) => f.endsWith(fileSuffix));
  if (code !== 0 || jars.length === 0) {
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      withLog(
        `Maven could not fetch ${label} (exit code ${code}, ${jars.length} ${fileSuffix} files)`,
        logFile,
      ),
      { retriable: true, details: { pomFile, outputDir, logFile } },
    );
  }
  writeFileSync(marker, hash + '\n');
  log(
    `fetched ${label}: ${jars.length} ${fileSuffix} files in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
