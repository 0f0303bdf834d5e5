import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const SECRET = 'hunter2-s3cr3t';

// Every failure of the real command: one line `sluice: CODE: message`, exit 2 for the command line and 1
// for the run, and never a password — not in the message, not in the debug stack and properties.
describe('sluice failures', () => {
  it('a source URL that does not parse: USAGE, exit 2, password masked', async () => {
    const run = await runCli([
      'export',
      '--source',
      `postgres://ana:${SECRET}@db:notaport/x`,
      '--table',
      't',
      '--out',
      '-',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^sluice: USAGE: --source postgres:\/\/\*\*\*@db:notaport\/x: not a valid URL/,
    );
    expect(run.stderr).not.toContain(SECRET);
  });

  it('an unreachable PostgreSQL source: SOURCE_UNAVAILABLE, exit 1, no stack unless SLUICE_DEBUG=1', async () => {
    const url = `postgres://ana:${SECRET}@127.0.0.1:1/x?password=${SECRET}`;
    const args = ['export', '--source', url, '--table', 't', '--out', '-'];
    const run = await runCli(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^sluice: SOURCE_UNAVAILABLE: /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain(SECRET);
    const debug = await runCli(args, { SLUICE_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /); // the stack
    expect(debug.stderr).not.toContain(SECRET);
  });

  it('a missing SQLite file: SOURCE_UNAVAILABLE, exit 1', async () => {
    const run = await runCli([
      'export',
      '--source',
      'sqlite:/nonexistent/demo.sqlite',
      '--table',
      't',
      '--out',
      '-',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^sluice: SOURCE_UNAVAILABLE: cannot open SQLite database \/nonexistent\/demo\.sqlite/,
    );
  });

  it('an unreachable DATABASE_URL: INFRA_UNAVAILABLE, URL redacted', async () => {
    const run = await runCli(['tokens', 'list', '--workspace', 'w'], {
      DATABASE_URL: `postgres://ops:${SECRET}@127.0.0.1:1/state`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^sluice: INFRA_UNAVAILABLE: sluice's database postgres:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1\/state/,
    );
    expect(run.stderr).not.toContain(SECRET);
  });

  it('command-line mistakes exit 2 in the same one-line form; --version and --help exit 0', async () => {
    for (const args of [
      ['bogus'],
      ['export', '--nope'],
      ['export', '--source', 'sqlite:x', '--table', 't', '--sql', 'select 1', '--out', '-'],
      ['demo', '--rows', 'abc'],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^sluice: USAGE: /);
    }
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.toString().trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect((await runCli(['--help'])).code).toBe(0);
  });

  it('sluice completion bash is a valid script that completes subcommands and flags', async () => {
    const run = await runCli(['completion', 'bash']);
    expect(run.code).toBe(0);
    const script = run.stdout.toString();
    const complete = (words: string) =>
      execFileSync('bash', [
        '-c',
        `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _sluice; echo "\${COMPREPLY[*]}"`,
      ])
        .toString()
        .trim()
        .split(' ');
    expect(complete('sluice ex ""').length).toBeGreaterThan(0);
    expect(complete('sluice exp')).toEqual(['export']);
    expect(complete('sluice export --line')).toEqual(['--line-ending']);
    expect(complete('sluice policies del')).toEqual(['delete']);
    expect((await runCli(['completion', 'zsh'])).stdout.toString()).toMatch(/^#compdef sluice/);
    expect((await runCli(['completion', 'fish'])).code).toBe(2);
  });

  describe('policies', () => {
    const workspace = `cli-${randomUUID().slice(0, 8)}`;
    const env = () => ({ DATABASE_URL: inject('infra').DATABASE_URL });

    it('delete of an unknown id exits 1 (POLICY_NOT_FOUND); a known one exits 0', async () => {
      const missing = await runCli(['policies', 'delete', '--workspace', workspace, '--id', 'nope'], env());
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^sluice: POLICY_NOT_FOUND: workspace .* has no policy nope/);
      const put = await runCli(
        [
          'policies',
          'put',
          '--workspace',
          workspace,
          '--id',
          'p',
          '--user',
          'u',
          '--allow',
          '{"region": ["North"]}',
        ],
        env(),
      );
      expect(put.code, put.stderr).toBe(0);
      expect((await runCli(['policies', 'delete', '--workspace', workspace, '--id', 'p'], env())).code).toBe(
        0,
      );
    });

    it('put with a dimension the catalog lacks is refused (exit 2) and stores nothing', async () => {
      const run = await runCli(
        [
          'policies',
          'put',
          '--workspace',
          workspace,
          '--id',
          'typo',
          '--user',
          'u',
          '--allow',
          '{"regoin": ["North"]}',
        ],
        env(),
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^sluice: USAGE: --allow: the catalog has no dimension "regoin"; it has .*region/,
      );
      const list = await runCli(['policies', 'list', '--workspace', workspace], env());
      expect(list.stdout.toString()).not.toContain('typo');
    });
  });
});
