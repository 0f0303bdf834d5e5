import { readFileSync } from 'node:fs';

/**
 * sluice's version from its package.json, found by walking up from this module: the sources run from the
 * repository root and the build from `dist/`, one level deeper.
 */
export function readVersion(): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'sluice' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}
