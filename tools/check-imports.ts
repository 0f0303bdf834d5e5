import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findCycles, importsOf, layerViolations, type ImportGraph } from './import-graph.ts';

/**
 * `npm run lint`'s house check: no import cycles anywhere, and no import against the layer order of
 * tools/import-graph.ts. A small script over the TypeScript compiler's own parser rather than madge: it
 * reads type-only imports and `.ts` specifiers as tsc does, checks the layer order as well as cycles (madge
 * finds cycles only), needs no new dependency, and runs in well under a second.
 */
const SKIP = new Set(['node_modules', '.infra', '.git', 'out', 'coverage']);
const root = process.cwd();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const graph: ImportGraph = new Map();
for (const path of sourceFiles(root)) {
  const file = relative(root, path).split('\\').join('/');
  graph.set(file, importsOf(file, readFileSync(path, 'utf8')));
}
const cycles = findCycles(graph);
const violations = layerViolations(graph);
for (const { cycle, size } of cycles) {
  const more = size > cycle.length ? ` (${size} files reach each other)` : '';
  console.error(`import cycle: ${[...cycle, cycle[0]].join(' → ')}${more}`);
}
for (const violation of violations) console.error(`layer: ${violation}`);
if (cycles.length > 0 || violations.length > 0) {
  console.error(
    `${cycles.length} import cycle(s), ${violations.length} layer violation(s); see tools/import-graph.ts`,
  );
  process.exitCode = 1;
} else {
  console.log(`imports: ${graph.size} files, no cycles, layers respected`);
}
