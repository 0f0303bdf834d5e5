import type { Command } from 'commander';
import pg from 'pg';
import { SluiceError } from '../../core/errors.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore, type PgPolicyStore } from '../../security/pg-policy-store.ts';
import { AllowSchema, type Allow } from '../../security/row-policy.ts';
import { readDatabaseUrl } from '../config.ts';
import type { Env } from '../env.ts';

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
    .requiredOption('--allow <rows>', `all, or JSON like '{"region": ["North"], "entity": ["…"]}'`)
    .action(async (opts) => {
      if (Boolean(opts.user) === Boolean(opts.group))
        throw new SluiceError('USAGE', 'give exactly one of --user and --group');
      const allow = parseAllow(opts.allow);
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
      await withPolicies(env, (store) => store.deletePolicy(opts.workspace, opts.id));
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
      await withPolicies(env, (store) => store.removeMember(opts.workspace, opts.group, opts.member));
    });
}

function parseAllow(text: string): Allow {
  let value: unknown = text;
  if (text !== 'all') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new SluiceError('USAGE', `--allow: all, or a JSON object of dimension → values; got ${text}`);
    }
  }
  if (value !== 'all') {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new SluiceError('USAGE', '--allow: all, or a JSON object of dimension → list of values');
    for (const [key, values] of Object.entries(value)) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(key))
        throw new SluiceError('USAGE', `--allow: ${JSON.stringify(key)} is not a dimension name (a-z 0-9 _)`);
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))
        throw new SluiceError('USAGE', `--allow: ${key} must be a list of strings`);
    }
  }
  const parsed = AllowSchema.safeParse(value);
  if (!parsed.success) {
    throw new SluiceError(
      'USAGE',
      `--allow: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

async function withPolicies(env: Env, fn: (store: PgPolicyStore) => Promise<void>): Promise<void> {
  const pool = new pg.Pool({ connectionString: readDatabaseUrl(env), max: 2 });
  try {
    await migrateRowPolicies(pool);
    await fn(createPgPolicyStore(pool));
  } finally {
    await pool.end();
  }
}
