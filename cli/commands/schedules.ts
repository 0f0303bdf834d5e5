import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pg from 'pg';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { SluiceError } from '../../core/errors.ts';
import { readDatabaseUrl, readSourceConfigs } from '../config.ts';
import type { Env } from '../env.ts';

type Admin = import('../../producers/http/schedules.ts').ScheduleAdminDeps;
type Module = typeof import('../../producers/http/schedules.ts');

/**
 * `sluice schedules …`: the same operations as /v1/schedules, for operators, straight on sluice's
 * PostgreSQL (as `sluice tokens` and `sluice policies` are). Bodies are checked exactly as the API checks
 * them, against the catalog and sources this environment configures.
 */
export function registerSchedulesCommand(program: Command, env: Env): void {
  const schedules = program
    .command('schedules')
    .description('Manage scheduled exports: create, list, show, pause, resume, update, delete, runs.');

  schedules
    .command('create')
    .description('Schedule an export; prints the schedule with its next run times.')
    .requiredOption('--workspace <id>', 'workspace id')
    .option('--user <id>', 'who owns it (the requester of each run)', 'operator')
    .option('--name <name>', 'a name for mails and lists')
    .requiredOption('--cron <expr>', 'five cron fields, e.g. "0 9 * * 1"')
    .requiredOption('--tz <zone>', 'IANA time zone the cron is read in, e.g. Asia/Kolkata')
    .requiredOption('--to <emails>', 'comma-separated recipients')
    .option('--export <json>', 'a POST /v1/exports body (or @file)')
    .option('--report <json>', '{"reportId", "format", "pages"?, "filters"?} (or @file)')
    .option('--csv-generator <json>', 'a seed 004 CSV-generator body (or @file)')
    .action(async (opts) => {
      const body = {
        ...(opts.name ? { name: opts.name } : {}),
        cron: opts.cron,
        timeZone: opts.tz,
        recipients: String(opts.to)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        ...(opts.export ? { export: readJson('--export', opts.export) } : {}),
        ...(opts.report ? { report: readJson('--report', opts.report) } : {}),
        ...(opts.csvGenerator ? { csvGenerator: readJson('--csv-generator', opts.csvGenerator) } : {}),
      };
      await withAdmin(env, async (admin, m) => {
        print(m.scheduleView(await m.createSchedule(admin, identity(opts), body)));
      });
    });

  schedules
    .command('list')
    .description("A workspace's schedules.")
    .requiredOption('--workspace <id>', 'workspace id')
    .action(async (opts) => {
      await withAdmin(env, async (admin, m) => {
        const { listSchedules } = await import('../../schedules/schedule-store.ts');
        const lines = ['id\tstate\tcron\ttimeZone\tnext run\tname'];
        for (const s of (await listSchedules(admin.pool, opts.workspace)).map(m.scheduleView))
          lines.push([s.id, s.state, s.cron, s.timeZone, s.nextRuns[0] ?? '-', s.name ?? ''].join('\t'));
        process.stdout.write(lines.join('\n') + '\n');
      });
    });

  for (const [name, description, patch] of [
    ['pause', 'Pause a schedule: no runs until resumed.', { state: 'paused' }],
    [
      'resume',
      'Resume a paused schedule (from its next run after now; missed runs are not made up).',
      { state: 'active' },
    ],
  ] as const) {
    schedules
      .command(name)
      .description(description)
      .requiredOption('--workspace <id>', 'workspace id')
      .requiredOption('--id <schedule>', 'schedule id')
      .action(async (opts) => {
        await withAdmin(env, async (admin, m) => {
          print(m.scheduleView(await m.patchSchedule(admin, identity(opts), opts.id, patch)));
        });
      });
  }

  schedules
    .command('update')
    .description('Change fields of a schedule: --patch \'{"cron": "0 8 * * 1", "recipients": [...]}\'.')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--id <schedule>', 'schedule id')
    .requiredOption('--patch <json>', 'the fields to change (or @file)')
    .action(async (opts) => {
      await withAdmin(env, async (admin, m) => {
        print(
          m.scheduleView(
            await m.patchSchedule(admin, identity(opts), opts.id, readJson('--patch', opts.patch)),
          ),
        );
      });
    });

  schedules
    .command('show')
    .description('One schedule with its next run times.')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--id <schedule>', 'schedule id')
    .action(async (opts) => {
      await withAdmin(env, async (admin, m) => {
        print(m.scheduleView(await m.requireSchedule(admin.pool, identity(opts), opts.id)));
      });
    });

  schedules
    .command('delete')
    .description('Delete a schedule and its runs.')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--id <schedule>', 'schedule id')
    .action(async (opts) => {
      await withAdmin(env, async (admin, m) => {
        await m.removeSchedule(admin, identity(opts), opts.id);
        process.stderr.write(`schedule ${opts.id} deleted\n`);
      });
    });

  schedules
    .command('runs')
    .description("A schedule's runs: exports and each recipient's delivery state.")
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--id <schedule>', 'schedule id')
    .action(async (opts) => {
      await withAdmin(env, async (admin, m) => {
        const { listRuns } = await import('../../schedules/schedule-store.ts');
        const s = await m.requireSchedule(admin.pool, identity(opts), opts.id);
        print({ runs: await listRuns(admin.pool, s.scheduleId) });
      });
    });
}

function identity(opts: { workspace: string; user?: string }): TokenIdentity {
  return {
    tokenId: 'cli',
    workspaceId: opts.workspace,
    userId: opts.user ?? 'operator',
    kind: 'api',
    role: 'member',
  };
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function readJson(flag: string, raw: string): unknown {
  const text = raw.startsWith('@') ? readFileSync(raw.slice(1), 'utf8') : raw;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SluiceError('USAGE', `${flag}: not JSON (${(err as Error).message})`);
  }
}

async function withAdmin(env: Env, work: (admin: Admin, m: Module) => Promise<void>): Promise<void> {
  const m = await import('../../producers/http/schedules.ts');
  const { startBoss } = await import('../../schedules/boss.ts');
  const { migrateSchedules } = await import('../../schedules/migrations.ts');
  const { migrateRowPolicies } = await import('../../security/migrations.ts');
  const { createPgPolicyStore } = await import('../../security/pg-policy-store.ts');
  const { loadCatalogFile, loadDemoCatalog } = await import('../../catalog/catalog.ts');
  const { SourceRegistry } = await import('../../dialects/source-registry.ts');
  const { createSourceCatalog } = await import('../../planning/source-catalog.ts');
  const configs = readSourceConfigs(env);
  // Opened on first use, to describe tables only.
  const registry = new SourceRegistry(configs);
  const pool = new pg.Pool({ connectionString: readDatabaseUrl(env), max: 2 });
  try {
    await migrateSchedules(pool);
    await migrateRowPolicies(pool);
    const boss = await startBoss(pool, { supervise: false });
    try {
      const reportSource = env.SLUICE_API_REPORT_SOURCE?.toLowerCase();
      await work(
        {
          pool,
          boss,
          planning: {
            catalog: env.SLUICE_CATALOG ? loadCatalogFile(env.SLUICE_CATALOG) : loadDemoCatalog(),
            policies: createPgPolicyStore(pool),
            sources: createSourceCatalog(registry, configs),
          },
          ...(reportSource ? { reportSource } : {}),
        },
        m,
      );
    } finally {
      await boss.stop({ graceful: false, close: false });
    }
  } finally {
    await registry.closeAll();
    await pool.end();
  }
}
