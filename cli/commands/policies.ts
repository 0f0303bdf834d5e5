import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import type { PgPolicyStore } from '../../security/pg-policy-store.ts';
import { readDatabaseUrl } from '../config.ts';
import type { Env } from '../env.ts';
import { withStateDb } from '../state-db.ts';

/**
 * Row-level security policies in PostgreSQL, for operators: who (a user or a group) sees which rows of a
 * workspace's metrics. Without a policy a recipient sees no rows at all.
 */
export function registerPoliciesCommand(program: Command, env: Env): void {
  const policies = program
    .command('policies')
    .description("Manage a workspace's row-level security policies and groups (deny by default).");

  policies
    .command('put')
    .description('Create or replace a policy: a user or group sees all rows, or rows whose dimensions match.')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--id <policy>', 'policy id (put again to replace it)')
    .option('--user <id>', 'the user it grants to')
    .option('--group <name>', 'the group it grants to')
    .requiredOption(
      '--allow <rows>',
      `all, or JSON like '{"region": ["North"]}' (dimensions of the catalog, SLUICE_CATALOG)`,
    )
    .action(async (opts) => {
      if (Boolean(opts.user) === Boolean(opts.group))
        throw new SluiceError('USAGE', 'give exactly one of --user and --group');
      const { parseAllow } = await import('../policies/parse-allow.ts');
      const allow = parseAllow(opts.allow, await loadCatalog(env));
      await withPolicies(env, async (store) => {
        await store.putPolicy({
          workspaceId: opts.workspace,
          policyId: opts.id,
          subject: opts.user ? { kind: 'user', name: opts.user } : { kind: 'group', name: opts.group },
          allow,
        });
        process.stderr.write(`policy ${opts.id} stored\n`);
      });
    });

  policies
    .command('delete')
    .description('Delete a policy; whoever it granted to loses those rows at once.')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--id <policy>', 'policy id')
    .action(async (opts) => {
      await withPolicies(env, async (store) => {
        if (!(await store.deletePolicy(opts.workspace, opts.id)))
          throw new SluiceError('POLICY_NOT_FOUND', `workspace ${opts.workspace} has no policy ${opts.id}`);
        process.stderr.write(`policy ${opts.id} deleted\n`);
      });
    });

  policies
    .command('list')
    .description("A workspace's policies and groups.")
    .requiredOption('--workspace <id>', 'workspace id')
    .action(async (opts) => {
      await withPolicies(env, async (store) => {
        const lines = ['policy\tsubject\tallow'];
        for (const p of await store.listPolicies(opts.workspace)) {
          lines.push([p.policyId, `${p.subject.kind}:${p.subject.name}`, JSON.stringify(p.allow)].join('\t'));
        }
        for (const g of await store.listGroups(opts.workspace)) {
          lines.push(`group ${g.group}: ${g.members.join(', ')}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      });
    });

  policies
    .command('add-member')
    .description('Put a user in a group (policies granted to the group then apply to them).')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--group <name>', 'group')
    .requiredOption('--member <id>', 'user id')
    .action(async (opts) => {
      await withPolicies(env, (store) => store.addMember(opts.workspace, opts.group, opts.member));
    });

  policies
    .command('remove-member')
    .description('Take a user out of a group.')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--group <name>', 'group')
    .requiredOption('--member <id>', 'user id')
    .action(async (opts) => {
      await withPolicies(env, async (store) => {
        if (!(await store.removeMember(opts.workspace, opts.group, opts.member)))
          throw new SluiceError('POLICY_NOT_FOUND', `${opts.member} is not in group ${opts.group}`);
      });
    });
}

/** The catalog the workers plan with: SLUICE_CATALOG, else the demo catalog. */
async function loadCatalog(env: Env) {
  const { loadCatalogFile, loadDemoCatalog } = await import('../../catalog/catalog.ts');
  return env.SLUICE_CATALOG ? loadCatalogFile(env.SLUICE_CATALOG) : loadDemoCatalog();
}

// pg and the store load when a policies command runs, not for every `sluice`.
async function withPolicies<T>(env: Env, fn: (store: PgPolicyStore) => Promise<T>): Promise<T> {
  const { migrateRowPolicies } = await import('../../security/migrations.ts');
  const { createPgPolicyStore } = await import('../../security/pg-policy-store.ts');
  return withStateDb(readDatabaseUrl(env), async (pool) => {
    await migrateRowPolicies(pool);
    return fn(createPgPolicyStore(pool));
  });
}
