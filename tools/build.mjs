#!/usr/bin/env node
// `npm run build`: the TypeScript compiled to JavaScript in dist/ (same tree, `.ts` imports rewritten to
// `.js`), so the package and the image start without transpiling at every run. Built into a fresh folder
// and swapped in whole: a half-built dist/ is never the one bin/sluice.mjs picks.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
const sourceDirs = config.include;
const startedAtMs = Date.now();
// `--out DIR` builds elsewhere (the image test builds into the folder it assembles); default dist/.
const outAt = process.argv.indexOf('--out');
const dist = outAt > 0 ? resolve(process.argv[outAt + 1]) : join(root, 'dist');
const next = `${dist}.next`;
rmSync(next, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', next],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
// Files the modules read at run time beside themselves (catalogs, JSON and Avro schemas, Maven poms, pages,
// fonts): everything in the source folders that is not TypeScript.
for (const dir of sourceDirs) copyAssets(join(root, dir), join(next, dir));
writeFileSync(join(next, 'BUILD.json'), JSON.stringify({ startedAtMs, sourceDirs }, null, 2) + '\n');
rmSync(dist, { recursive: true, force: true });
renameSync(next, dist);
process.stderr.write(`built dist/ in ${((Date.now() - startedAtMs) / 1000).toFixed(1)} s\n`);

function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) copyAssets(src, join(to, entry.name));
    else if (!entry.name.endsWith('.ts')) cpSync(src, join(to, entry.name));
  }
}
