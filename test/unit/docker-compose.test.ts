import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readApiSettings, readWorkerSettings } from '../../cli/config.ts';

const root = join(import.meta.dirname, '..', '..');
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

/** The `&sluice-env` block api and worker share, with compose's `${VAR…}` filled in as compose would. */
function sluiceEnv(): Record<string, string> {
  const lines = compose.split('\n');
  const start = lines.findIndex((l) => /environment: &sluice-env\s*$/.test(l));
  const indent = /^ */.exec(lines[start]!)![0].length;
  const env: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (/^ */.exec(line)![0].length <= indent) break;
    const m = /^\s+([A-Z0-9_]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    // ${NAME:-default} → default; ${NAME}, ${NAME:?message} → a value set in .env.
    env[m[1]!] = m[2]!.replace(
      /\$\{([A-Z0-9_]+)(?::-([^}]*))?(?::\?[^}]*)?\}/g,
      (_all, name: string, fallback) => String(fallback ?? `${name.toLowerCase()}-from-dotenv`),
    );
  }
  return env;
}

/** Every environment variable name cli/ reads: `env.NAME`, or a quoted NAME handed to a reader. */
function namesTheCliReads(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  for (const file of walk(join(root, 'cli'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/env\.([A-Z][A-Z0-9_]+)|'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g))
      names.add(m[1] ?? m[2]!);
  }
  return names;
}

describe('docker-compose.yml agrees with the code', () => {
  const env = sluiceEnv();

  it('sets only variables sluice reads', () => {
    const read = namesTheCliReads();
    const unread = Object.keys(env).filter(
      (name) => !read.has(name) && !/^SLUICE_SOURCE_[A-Z0-9_]+$/.test(name),
    );
    expect(Object.keys(env).length).toBeGreaterThan(5);
    expect(unread).toEqual([]);
  });

  it('starts both services: their settings read from it', () => {
    const worker = readWorkerSettings(env);
    expect(worker.databaseUrl).toMatch(/@postgres:5432\//);
    expect(worker.worker.brokers).toEqual(['kafka:9092']);
    expect(worker.s3).toMatchObject({ endpoint: 'http://s3:80', forcePathStyle: true });
    expect(worker.sources.map((s) => s.name)).toContain('warehouse');
    const api = readApiSettings(env);
    expect(api.databaseUrl).toBe(worker.databaseUrl);
    // The published port and the healthcheck are the API's own default port.
    expect(compose).toContain(`'${api.port}:${api.port}'`);
    expect(compose).toContain(`http://127.0.0.1:${api.port}/healthz`);
  });

  it('runs the image the Dockerfile builds, with its roles as commands', () => {
    expect(compose).toMatch(/api:\n\s+build: \.\n\s+image: sluice:latest\n\s+command: \['api'\]/);
    expect(compose).toMatch(/worker:\n\s+image: sluice:latest\n\s+command: \['worker'\]/);
  });
});
