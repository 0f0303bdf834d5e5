import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS } from '../../tools/import-graph.ts';

const root = join(import.meta.dirname, '..', '..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  files: string[];
};

/** The Dockerfile's stages by name (the last one, unnamed, is `final`): their instructions, one per line. */
function dockerStages(): Map<string, string[]> {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const stages = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM \S+(?: AS (\S+))?$/i.exec(line);
    if (from) stages.set(from[1] ?? 'final', (current = []));
    else current.push(line);
  }
  return stages;
}

/**
 * What `npm ci --omit=dev` installs from the lock file, hard-linked (not symlinked: Node would resolve a
 * symlinked package's imports from its real folder, which holds the dev dependencies too) from this
 * checkout's node_modules into `target`/node_modules. Optional packages for other platforms are absent and skipped.
 */
function linkProductionModules(target: string): number {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const paths = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev)
    .map(([path]) => path)
    .sort();
  const linked: string[] = [];
  const byParent = new Map<string, string[]>();
  for (const path of paths) {
    if (linked.some((done) => path.startsWith(`${done}/`)) || !existsSync(join(root, path))) continue;
    linked.push(path);
    byParent.set(dirname(path), [...(byParent.get(dirname(path)) ?? []), join(root, path)]);
  }
  // One cp per folder rather than per package: this runs on every unit test run.
  for (const [parent, sources] of byParent) {
    mkdirSync(join(target, parent), { recursive: true });
    execFileSync('cp', ['-al', ...sources, join(target, parent)]);
  }
  return linked.length;
}

describe('the production image: exactly what the Dockerfile ships starts', () => {
  let app: string;
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sluice-image-'));
    app = join(work, 'app');
    mkdirSync(app);
    // The Dockerfile's pack stage: npm pack applies package.json "files", and the tarball is the app folder.
    execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root });
    execFileSync('tar', [
      '-xzf',
      join(work, `${packageJson.name}-${packageJson.version}.tgz`),
      '-C',
      app,
      '--strip-components=1',
    ]);
    // Its deps stage: the production dependencies of the lock file.
    expect(linkProductionModules(app)).toBeGreaterThan(50);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds the image from package.json "files" alone', () => {
    const stages = dockerStages();
    expect(stages.get('deps')).toContain('RUN npm ci --omit=dev --no-audit --no-fund');
    expect(stages.get('pack')?.some((l) => l.startsWith('RUN npm pack --ignore-scripts'))).toBe(true);
    expect(stages.get('final')?.filter((l) => l.startsWith('COPY'))).toEqual([
      'COPY --from=deps /app/node_modules ./node_modules',
      'COPY --from=pack /app ./',
    ]);
    // The build context must still hold what ships.
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const shipped of [...packageJson.files, 'package.json', 'package-lock.json']) {
      expect(ignored, shipped).not.toContain(shipped);
    }
  });

  it('ships every folder of the house, and nothing else', () => {
    expect([...packageJson.files].sort()).toEqual([...LAYERS.flat()].sort());
    const top = readdirSync(app).filter((name) => name !== 'node_modules');
    expect(top.sort()).toEqual([...packageJson.files, 'README.md', 'package.json'].sort());
  });

  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  for (const args of [['--help'], ['worker', '--help'], ['api', '--help']]) {
    it(`sluice ${args.join(' ')} runs there`, () => {
      const run = spawnSync(process.execPath, ['bin/sluice.mjs', ...args], {
        cwd: app,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: sluice${args.length > 1 ? ` ${args[0]}` : ''} `));
    }, 90_000); // tsx compiles the cold modules first: seconds on a busy machine
  }

  it('every module a command may load (the services load theirs lazily) resolves there', () => {
    const modules = packageJson.files
      .filter((folder) => folder !== 'bin')
      .flatMap((folder) => tsFiles(join(app, folder)))
      .map((path) => path.slice(app.length + 1));
    expect(modules.length).toBeGreaterThan(100);
    const script = `
      const { register } = await import('tsx/esm/api');
      register();
      for (const path of ${JSON.stringify(modules)}) await import('./' + path);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  }, 150_000);
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
