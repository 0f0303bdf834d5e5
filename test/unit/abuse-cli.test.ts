import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

/**
 * CLI abuse, in process through the same `main` bin/sluice.mjs calls: bad flags and bad URLs end in one
 * line `sluice: CODE: message` on stderr and a non-zero exit, print no password, and write no file.
 */
const dir = mkdtempSync(join(tmpdir(), 'sluice-abuse-cli-'));
const out = join(dir, 'out.csv');
const SECRET = 's3cret';

const CASES: [string, string[], number, RegExp][] = [
  ['no subcommand flag value', ['export', '--source'], 2, /USAGE/],
  ['an unknown flag', ['export', '--frobnicate', '--out', out], 2, /USAGE/],
  ['an unknown subcommand', ['exfiltrate'], 2, /USAGE/],
  ['neither --table nor --sql', ['export', '--source', 'sqlite::memory:', '--out', out], 2, /USAGE/],
  [
    'both --table and --sql',
    ['export', '--source', 'sqlite::memory:', '--table', 't', '--sql', 'SELECT 1', '--out', out],
    2,
    /USAGE/,
  ],
  [
    '--limit 1e3',
    ['export', '--source', 'sqlite::memory:', '--table', 't', '--limit', '1e3', '--out', out],
    2,
    /USAGE/,
  ],
  [
    '--limit -1',
    ['export', '--source', 'sqlite::memory:', '--table', 't', '--limit', '-1', '--out', out],
    2,
    /USAGE/,
  ],
  [
    'a format against the name',
    ['export', '--source', 'sqlite::memory:', '--table', 't', '--format', 'parquet', '--out', out],
    2,
    /USAGE/,
  ],
  [
    'compression on parquet',
    [
      'export',
      '--source',
      'sqlite::memory:',
      '--table',
      't',
      '--compression',
      'gzip',
      '--out',
      join(dir, 'x.parquet'),
    ],
    2,
    /USAGE/,
  ],
  [
    'a where with no operator',
    ['export', '--source', 'sqlite::memory:', '--table', 't', '--where', 'id', '--out', out],
    2,
    /USAGE|REQUEST_INVALID/,
  ],
  [
    'a where with SQL as operator',
    ['export', '--source', 'sqlite::memory:', '--table', 't', '--where', 'id OR 1=1 --', '--out', out],
    2,
    /USAGE|REQUEST_INVALID/,
  ],
  [
    'a source URL that does not parse, with a password',
    ['export', '--source', `postgres://u:${SECRET}@[::1`, '--table', 't', '--out', out],
    2,
    /USAGE/,
  ],
  [
    'an unknown URL scheme with a password',
    ['export', '--source', `oracle://u:${SECRET}@db/x`, '--table', 't', '--out', out],
    2,
    /USAGE/,
  ],
  [
    'a file: URL to /etc/passwd',
    ['export', '--source', 'file:///etc/passwd', '--table', 't', '--out', out],
    2,
    /USAGE/,
  ],
  [
    'a javascript: URL',
    ['export', '--source', 'javascript:alert(1)', '--table', 't', '--out', out],
    2,
    /USAGE/,
  ],
  [
    'an --out with an unknown scheme',
    ['export', '--source', 'sqlite::memory:', '--sql', 'SELECT 1', '--out', 'ftp://host/x.csv'],
    2,
    /USAGE/,
  ],
  [
    'an s3 --out with no key',
    ['export', '--source', 'sqlite::memory:', '--sql', 'SELECT 1', '--out', 's3://bucket'],
    2,
    /USAGE|SINK_UNSUPPORTED/,
  ],
  [
    'a missing SQLite file',
    ['export', '--source', `sqlite:${join(dir, 'missing.db')}`, '--table', 't', '--out', out],
    1,
    /SOURCE_UNAVAILABLE/,
  ],
  [
    'tokens create with an unknown kind',
    ['tokens', 'create', '--workspace', 'w', '--user', 'u', '--kind', 'root'],
    2,
    /USAGE|REQUEST_INVALID/,
  ],
  ['jobs with no API URL', ['jobs', 'list'], 2, /USAGE|CONFIG_INVALID/],
];

describe(`CLI abuse (${CASES.length} cases, in process)`, () => {
  const writes: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  });
  afterAll(() => spy.mockRestore());

  it.each(CASES)('%s', async (_name, args, exitCode, code) => {
    writes.length = 0;
    const env = { PATH: process.env.PATH, HOME: dir } as Record<string, string>;
    const exit = await main(['node', 'sluice', ...args], env);
    const text = writes.join('');
    expect(exit, text).toBe(exitCode);
    const lines = text.trim().split('\n');
    // One failure line; commander's usage errors add only the pointer to --help.
    expect(lines[0]).toMatch(/^sluice: [A-Z_]+: ./);
    expect(
      lines.slice(1).filter((l) => l !== '(add --help for usage)'),
      text,
    ).toEqual([]);
    expect(lines[0]).toMatch(code);
    expect(text).not.toContain(SECRET);
    expect(readdirSync(dir)).toEqual([]);
  });
});
