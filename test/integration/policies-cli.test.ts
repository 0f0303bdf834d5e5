import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rowSecurityFor } from '../../security/row-policy.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

// Operators manage row-level security with `sluice policies`; workers read the same rows.
describe('sluice policies', () => {
  const workspace = `pol-${randomUUID().slice(0, 8)}`;
  let pool: pg.Pool;
  const sluice = (...args: string[]) =>
    run(process.execPath, [bin, 'policies', ...args, '--workspace', workspace], {
      env: { ...process.env, DATABASE_URL: inject('infra').DATABASE_URL },
    });

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 1 });
  });
  afterAll(async () => {
    await pool.query(`DELETE FROM sluice_row_policies WHERE workspace_id = $1`, [workspace]);
    await pool.query(`DELETE FROM sluice_group_members WHERE workspace_id = $1`, [workspace]);
    await pool.end();
  });

  it('puts, lists and deletes policies and group members that the planner then applies', async () => {
    await sluice('put', '--id', 'north', '--group', 'managers', '--allow', '{"region": ["North"]}');
    await sluice('add-member', '--group', 'managers', '--member', 'ana');
    await sluice('put', '--id', 'boss', '--user', 'ceo', '--allow', 'all');
    const { stdout } = await sluice('list');
    expect(stdout.trim().split('\n')).toEqual([
      'policy\tsubject\tallow',
      'boss\tuser:ceo\t"all"',
      'north\tgroup:managers\t{"region":["North"]}',
      'group managers: ana',
    ]);
    const store = createPgPolicyStore(pool);
    expect((await rowSecurityFor(store, workspace, 'ana')).grants).toEqual([{ region: ['North'] }]);

    await sluice('remove-member', '--group', 'managers', '--member', 'ana');
    await sluice('delete', '--id', 'boss');
    expect((await rowSecurityFor(store, workspace, 'ana')).grants).toEqual([]);
    expect((await store.listPolicies(workspace)).map((p) => p.policyId)).toEqual(['north']);
  });

  it('refuses a malformed grant, naming the problem, and stores nothing', async () => {
    const failure = await sluice(
      'put',
      '--id',
      'bad',
      '--user',
      'u',
      '--allow',
      '{"Region; DROP": ["x"]}',
    ).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2); // a usage error
    expect(failure?.stderr).toContain('is not a dimension name');
    const both = await sluice('put', '--id', 'bad', '--user', 'u', '--group', 'g', '--allow', 'all').catch(
      (err: { stderr: string }) => err,
    );
    expect((both as { stderr: string }).stderr).toContain('exactly one of --user and --group');
    expect((await createPgPolicyStore(pool).listPolicies(workspace)).map((p) => p.policyId)).not.toContain(
      'bad',
    );
  });
});
