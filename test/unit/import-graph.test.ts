import { describe, expect, it } from 'vitest';
import { findCycles, importsOf, layerViolations, type ImportGraph } from '../../tools/import-graph.ts';

describe('importsOf', () => {
  it('finds static, type-only, re-exported, dynamic and import-type specifiers, resolved to repo paths', () => {
    const text = `
      import { a } from './a.ts';
      import type { B } from '../core/b.ts';
      export { c } from './sub/c.ts';
      export type { D } from '../schemas/d.ts';
      const e = await import('./e.ts');
      let f: import('../sinks/f.ts').F;
      import pg from 'pg';`;
    expect(importsOf('pipeline/x.ts', text)).toEqual([
      'pipeline/a.ts',
      'core/b.ts',
      'pipeline/sub/c.ts',
      'schemas/d.ts',
      'pipeline/e.ts',
      'sinks/f.ts',
    ]);
  });
});

describe('findCycles', () => {
  it('reports a knot once, as a real cycle through it', () => {
    const graph: ImportGraph = new Map([
      ['dialects/a.ts', ['dialects/b.ts']],
      ['dialects/b.ts', ['dialects/c.ts', 'core/x.ts']],
      ['dialects/c.ts', ['dialects/a.ts', 'dialects/b.ts']],
      ['core/x.ts', []],
    ]);
    expect(findCycles(graph)).toEqual([
      { cycle: ['dialects/a.ts', 'dialects/b.ts', 'dialects/c.ts'], size: 3 },
    ]);
  });

  it('counts a file importing itself, and nothing in a tree', () => {
    expect(findCycles(new Map([['core/a.ts', ['core/a.ts']]]))).toEqual([{ cycle: ['core/a.ts'], size: 1 }]);
    expect(
      findCycles(
        new Map([
          ['cli/a.ts', ['core/b.ts']],
          ['core/b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });
});

describe('layerViolations', () => {
  const cases: { name: string; from: string; to: string; problem?: RegExp }[] = [
    { name: 'down the house', from: 'pipeline/run.ts', to: 'encoders/encoder.ts' },
    { name: 'within a folder', from: 'dialects/mysql/source.ts', to: 'dialects/source.ts' },
    { name: 'tests import anything', from: 'test/unit/x.test.ts', to: 'cli/main.ts' },
    {
      name: 'up the house',
      from: 'dialects/pg.ts',
      to: 'metrics/plan.ts',
      problem: /dialects\/ is below metrics\//,
    },
    { name: 'between siblings', from: 'encoders/csv.ts', to: 'dialects/source.ts', problem: /independent/ },
    { name: 'into tests', from: 'core/x.ts', to: 'test/support/y.ts', problem: /outside the house/ },
    {
      name: 'from an unplaced folder',
      from: 'elsewhere/x.ts',
      to: 'core/y.ts',
      problem: /elsewhere\/ has no layer/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = layerViolations(new Map([[c.from, [c.to]]]));
      if (c.problem) expect(problems).toEqual([expect.stringMatching(c.problem)]);
      else expect(problems).toEqual([]);
    });
  }
});
