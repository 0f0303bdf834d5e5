import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The URL of dist/cli/main.js when dist/ holds a build of the current sources, else undefined. `npm run
 * build` writes dist/BUILD.json with the source folders it compiled and when it started; a build is current
 * when no .ts file in those folders changed after that. Without any source folder (the image ships dist/
 * only) the build is all there is. A stat per source file: about 2 ms for the whole tree.
 */
export function freshBuild(rootUrl) {
  const root = fileURLToPath(rootUrl);
  const stampPath = join(root, 'dist', 'BUILD.json');
  if (process.env.SLUICE_NO_DIST === '1' || !existsSync(stampPath)) return undefined;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    return undefined;
  }
  for (const dir of stamp.sourceDirs ?? []) {
    if (changedSince(join(root, dir), stamp.startedAtMs)) return undefined;
  }
  return new URL('dist/cli/main.js', rootUrl).href;
}

function changedSince(dir, since) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false; // not shipped
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (changedSince(path, since)) return true;
    } else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json') || entry.name.endsWith('.xml')) {
      if (statSync(path).mtimeMs > since) return true;
    }
  }
  return false;
}
