import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import { dialectOf } from '../../dialects/open-source.ts';
import { redactUrl as redact } from '../../core/redact.ts';
import type { GrantedSourceConfig } from '../../planning/export-plan.ts';
import { describeGrant, isRawSqlGranted, isWorkspaceGranted } from '../../security/source-grants.ts';
import { readSourceConfigs } from '../config.ts';
import type { Env } from '../env.ts';

/**
 * The configured sources and their grants, as the API and the worker read them from this environment:
 * what an operator checks before and after changing `SLUICE_SOURCE_<NAME>_*`. Nothing is opened.
 */
export function registerSourcesCommand(program: Command, env: Env): void {
  const sources = program
    .command('sources')
    .description('Inspect the configured sources and their grants (deny by default).');

  sources
    .command('list')
    .description('One line per source: engine, redacted URL and grant.')
    .action(() => {
      const configs = readSourceConfigs(env);
      if (configs.length === 0) process.stderr.write('no sources configured (SLUICE_SOURCE_<NAME>=<url>)\n');
      for (const c of configs) process.stdout.write(`${line(c)}\n`);
    });

  sources
    .command('show <name>')
    .description('One source in full; with --workspace, what that workspace may do with it.')
    .option('--workspace <id>', 'a workspace to check the grant for')
    .action((name: string, opts: { workspace?: string }) => {
      const config = readSourceConfigs(env).find((c) => c.name === name.toLowerCase());
      if (!config)
        throw new SluiceError('SOURCE_UNKNOWN', `no source named ${JSON.stringify(name)} is configured`);
      const { grant } = config;
      const lines = [
        `source     ${config.name}`,
        `engine     ${dialectOf(config.url)}`,
        `url        ${redact(config.url)}`,
        `workspaces ${grant.workspaces === '*' ? '* (every workspace)' : grant.workspaces.join(', ') || '(none: nobody may use it)'}`,
        `tables     ${grant.tables.join(', ') || '(none)'}  — never system catalogs or sluice_* tables`,
        `raw SQL    ${grant.rawSql === '*' ? 'every granted workspace' : grant.rawSql.join(', ') || '(none)'}`,
      ];
      if (opts.workspace) {
        lines.push(
          `for ${opts.workspace}: source ${isWorkspaceGranted(grant, opts.workspace) ? 'granted' : 'NOT granted'}, ` +
            `raw SQL ${isRawSqlGranted(grant, opts.workspace) ? 'allowed' : 'refused'}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function line(c: GrantedSourceConfig): string {
  return `${c.name}\t${dialectOf(c.url)}\t${redact(c.url)}\t${describeGrant(c.grant)}`;
}
