import ts from 'typescript';
import { posix } from 'node:path';

/**
 * The house's layers, lowest first. A folder may import its own files and folders of LOWER rows only;
 * folders on one row are independent of each other (encoders never import dialects, producers never import
 * consumers). A new top-level folder must be placed here before anything imports it. Folders listed in
 * OUTSIDE (tests, benchmarks) may import anything and nothing in the house may import them.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['core'],
  ['schemas'],
  ['auth', 'catalog', 'dialects', 'encoders', 'infra', 'jobs', 'schema-registry', 'security', 'sinks'],
  ['metrics', 'pipeline'],
  ['csv-generator', 'reports'],
  ['planning'],
  ['consumers', 'demo', 'producers'],
  ['cli'],
  ['bin'],
];

export const OUTSIDE: readonly string[] = ['test', 'bench', 'tools', '.'];

/** Relative imports of one file, resolved to repository paths: static, `export … from`, `import()`, `import('x').T`. */
export function importsOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const add = (specifier: ts.Node | undefined) => {
    if (specifier && ts.isStringLiteralLike(specifier) && specifier.text.startsWith('.')) {
      found.push(posix.normalize(posix.join(posix.dirname(file), specifier.text)));
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export type ImportGraph = Map<string, string[]>;

/**
 * Import cycles: one per knot of files that reach each other (a strongly connected component), given as a
 * shortest cycle through it; `size` counts every file of the knot.
 */
export function findCycles(graph: ImportGraph): { cycle: string[]; size: number }[] {
  // Tarjan's algorithm, iterative so a deep chain of imports cannot overflow the stack.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: { cycle: string[]; size: number }[] = [];
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = (graph.get(frame.node) ?? []).filter((d) => graph.has(d));
      if (frame.next < edges.length) {
        const dep = edges[frame.next++]!;
        if (!index.has(dep)) {
          index.set(dep, counter);
          low.set(dep, counter++);
          stack.push(dep);
          onStack.add(dep);
          work.push({ node: dep, next: 0 });
        } else if (onStack.has(dep)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(dep)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop)
          components.push({ cycle: cycleOrder(graph, component), size: component.length });
      }
    }
  }
  return components;
}

/** A shortest real cycle through the component's first file (breadth-first), so the report reads as a path. */
function cycleOrder(graph: ImportGraph, component: string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const dep of graph.get(at) ?? []) {
      if (!members.has(dep)) continue;
      if (dep === start) {
        const path = [at];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return path;
      }
      if (!cameFrom.has(dep)) {
        cameFrom.set(dep, at);
        queue.push(dep);
      }
    }
  }
  return [start];
}

export function folderOf(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? '.' : file.slice(0, slash);
}

/** Imports that go up the house, sideways between independent folders, or into a folder with no layer. */
export function layerViolations(graph: ImportGraph): string[] {
  const row = new Map<string, number>();
  LAYERS.forEach((folders, i) => folders.forEach((f) => row.set(f, i)));
  const problems: string[] = [];
  for (const [file, deps] of graph) {
    const from = folderOf(file);
    if (OUTSIDE.includes(from)) continue;
    const fromRow = row.get(from);
    if (fromRow === undefined) {
      problems.push(`${file}: folder ${from}/ has no layer; add it to LAYERS in tools/import-graph.ts`);
      continue;
    }
    for (const dep of deps) {
      const to = folderOf(dep);
      if (to === from) continue;
      const toRow = row.get(to);
      if (OUTSIDE.includes(to)) problems.push(`${file} imports ${dep}: ${to}/ is outside the house`);
      else if (toRow === undefined) problems.push(`${file} imports ${dep}: ${to}/ has no layer`);
      else if (toRow > fromRow) problems.push(`${file} imports ${dep}: ${from}/ is below ${to}/`);
      else if (toRow === fromRow)
        problems.push(`${file} imports ${dep}: ${from}/ and ${to}/ are independent`);
    }
  }
  return problems;
}
