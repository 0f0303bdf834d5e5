import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../core/errors.ts';
import { PROBLEM_STATUS } from '../../producers/http/problem.ts';
import { LAYERS } from '../../tools/import-graph.ts';

const root = join(import.meta.dirname, '..', '..');
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{4,}$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Codes the house's source can produce, read from its syntax: the first argument of `new SluiceError(…)`,
 * every `code: '…'` property, and the code arguments of `deadLetter(…)`, `problem(…)` and `finishFailed(…)`.
 * The compiler already holds these to `ErrorCode`; this also catches a cast or a plain string field.
 */
function producedCodes(): Map<string, string> {
  const found = new Map<string, string>();
  const literalsIn = (node: ts.Node, file: string) => {
    if (ts.isStringLiteralLike(node) && CODE.test(node.text)) found.set(node.text, file);
    ts.forEachChild(node, (child) => literalsIn(child, file));
  };
  for (const folder of LAYERS.flat()) {
    for (const path of sourceFiles(join(root, folder))) {
      const file = path.slice(root.length + 1);
      const source = ts.createSourceFile(file, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false);
      const visit = (node: ts.Node): void => {
        if (
          ts.isNewExpression(node) &&
          node.expression.getText(source) === 'SluiceError' &&
          node.arguments?.[0]
        ) {
          literalsIn(node.arguments[0], file);
        } else if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'code') {
          literalsIn(node.initializer, file);
        } else if (
          ts.isCallExpression(node) &&
          ['deadLetter', 'problem', 'finishFailed'].includes(node.expression.getText(source))
        ) {
          for (const arg of node.arguments) if (ts.isStringLiteralLike(arg)) literalsIn(arg, file);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
  }
  return found;
}

/** README's code table (the one whose header starts `| code`): its rows as code → the "where" column. */
function readmeCodes(): Map<string, string> {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\| code +\| where /.test(line));
  const rows = new Map<string, string>();
  for (const line of lines.slice(header + 2)) {
    const m = /^\| `([^`]+)` +\| ([^|]+)\|/.exec(line);
    if (!m) break;
    rows.set(m[1]!, m[2]!.trim());
  }
  return rows;
}

describe('error codes: the registry, the code and the README agree', () => {
  const registry = Object.keys(ErrorCodes);
  const produced = producedCodes();
  const readme = readmeCodes();

  it('the scans see codes from every corner (so an empty scan cannot pass)', () => {
    expect(readme.size).toBeGreaterThan(20);
    for (const code of [
      'INTERNAL_ERROR',
      'REQUEST_MALFORMED',
      'SINK_WRITE_FAILED',
      'REQUEST_INVALID',
      'USAGE',
    ]) {
      expect(produced.has(code), code).toBe(true);
    }
  });

  it('every code the source produces is registered', () => {
    const unregistered = [...produced]
      .filter(([code]) => !registry.includes(code))
      .map(([c, f]) => `${c} (${f})`);
    expect(unregistered).toEqual([]);
  });

  it('every registered code is produced somewhere (none is dead)', () => {
    expect(registry.filter((code) => !produced.has(code))).toEqual([]);
  });

  it("README's table lists exactly the registered codes", () => {
    expect([...readme.keys()].sort()).toEqual([...registry].sort());
  });

  it("README's HTTP statuses are the API's", () => {
    for (const code of registry) {
      const status = PROBLEM_STATUS[code as keyof typeof PROBLEM_STATUS]?.status;
      const said = /HTTP (\d{3})/.exec(readme.get(code) ?? '')?.[1];
      expect(said === undefined ? undefined : Number(said), code).toBe(status);
    }
  });

  it('USAGE comes from the CLI alone: user mistakes elsewhere carry a code an event may carry', () => {
    const usage = [...producedUsage()].filter((file) => !file.startsWith('cli/'));
    expect(usage).toEqual([]);
  });
});

function producedUsage(): Set<string> {
  const files = new Set<string>();
  for (const folder of LAYERS.flat()) {
    for (const path of sourceFiles(join(root, folder))) {
      if (/['"]USAGE['"]/.test(readFileSync(path, 'utf8')) && !path.endsWith('core/errors.ts')) {
        files.add(path.slice(root.length + 1));
      }
    }
  }
  return files;
}
