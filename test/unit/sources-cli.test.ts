import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const SECRET = 'pa@ss/w0rd';

// The grants exactly as the API and the worker read them from the environment; nothing is opened, so the
// command needs no server.
const env = {
  SLUICE_SOURCE_WAREHOUSE: `postgres://reader:${encodeURIComponent(SECRET)}@db.internal:5432/dw`,
  SLUICE_SOURCE_WAREHOUSE_WORKSPACES: 'acme,globex',
  SLUICE_SOURCE_WAREHOUSE_TABLES: 'public.orders,sales.*',
  SLUICE_SOURCE_WAREHOUSE_RAW_SQL: 'true',
  SLUICE_SOURCE_WAREHOUSE_RAW_SQL_WORKSPACES: 'acme',
  SLUICE_SOURCE_LOCKED: 'mysql://root@127.0.0.1:3306/test',
};

describe('sluice sources', () => {
  it('lists every source with its engine, redacted URL and grant; deny by default', async () => {
    const run = await runCli(['sources', 'list'], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.toString('utf8').trim().split('\n').sort();
    expect(lines).toEqual([
      'locked\tmysql\tmysql://***@127.0.0.1:3306/test\tworkspaces=(none) tables=(none) rawSql=(none)',
      'warehouse\tpostgres\tpostgres://***:***@db.internal:5432/dw\tworkspaces=acme,globex tables=public.orders,sales.* rawSql=acme',
    ]);
    expect(run.stdout.toString('utf8') + run.stderr).not.toContain('w0rd');
  });

  it('shows what one workspace may do with a source', async () => {
    const acme = await runCli(['sources', 'show', 'warehouse', '--workspace', 'acme'], env);
    expect(acme.code).toBe(0);
    expect(acme.stdout.toString('utf8')).toMatch(/for acme: source granted, raw SQL allowed/);
    const globex = await runCli(['sources', 'show', 'warehouse', '--workspace', 'globex'], env);
    expect(globex.stdout.toString('utf8')).toMatch(/for globex: source granted, raw SQL refused/);
    const initech = await runCli(['sources', 'show', 'warehouse', '--workspace', 'initech'], env);
    expect(initech.stdout.toString('utf8')).toMatch(/for initech: source NOT granted, raw SQL refused/);
    const locked = await runCli(['sources', 'show', 'locked'], env);
    expect(locked.stdout.toString('utf8')).toMatch(/workspaces \(none: nobody may use it\)/);
  });

  it('an unknown source is SOURCE_UNKNOWN, exit 1', async () => {
    const run = await runCli(['sources', 'show', 'nowhere'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^sluice: SOURCE_UNKNOWN: no source named "nowhere" is configured/);
  });
});
