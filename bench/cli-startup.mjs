#!/usr/bin/env node
// `node bench/cli-startup.mjs [runs]`: median wall time of `sluice --help` and of a 3-row SQLite export, run
// from dist/ (npm run build first) and through tsx (SLUICE_NO_DIST=1), beside a bare `node -e 0` measured in the
// same run. On a shared machine compare the columns of one run, not runs with each other.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/sluice.mjs');
const runs = Number(process.argv[2] ?? 7);
if (!existsSync(join(root, 'dist/BUILD.json')))
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'sluice-startup-'));
execFileSync(process.execPath, [bin, 'demo', '--rows', '1000', '--dir', dir], { stdio: 'ignore' });
const exportArgs = [
  'export',
  '--source',
  `sqlite:${join(dir, 'demo.sqlite')}`,
  '--table',
  'footfall',
  '--limit',
  '3',
  '--out',
  join(dir, 't.csv'),
  '-q',
];

function median(args, env = {}) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    times.push(performance.now() - t);
  }
  return Math.round(times.sort((a, b) => a - b)[Math.floor(runs / 2)]);
}

const rows = [
  ['node -e 0 (baseline)', median(['-e', '0']), ''],
  ['sluice --help', median([bin, '--help']), median([bin, '--help'], { SLUICE_NO_DIST: '1' })],
  [
    'sluice export (3 rows, SQLite → CSV)',
    median([bin, ...exportArgs]),
    median([bin, ...exportArgs], { SLUICE_NO_DIST: '1' }),
  ],
];
console.log(`median of ${runs} runs, ms\n`);
console.log('| command | dist/ | tsx |\n| --- | ---: | ---: |');
for (const [name, dist, tsx] of rows) console.log(`| ${name} | ${dist} | ${tsx} |`);
rmSync(dir, { recursive: true, force: true });
