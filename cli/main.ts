import { Command, CommanderError } from 'commander';
import { registerApiCommand } from './commands/api.ts';
import { registerCompletionCommand } from './commands/completion.ts';
import { registerDeliveryCommand } from './commands/delivery.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerExportCommand } from './commands/export.ts';
import { registerInfraCommand } from './commands/infra.ts';
import { registerSchedulerCommand } from './commands/scheduler.ts';
import { registerSchedulesCommand } from './commands/schedules.ts';
import { registerSchemasCommand } from './commands/schemas.ts';
import { registerJobsCommand } from './commands/jobs.ts';
import { registerSubmitCommand } from './commands/submit.ts';
import { registerPoliciesCommand } from './commands/policies.ts';
import { registerSourcesCommand } from './commands/sources.ts';
import { registerTokensCommand } from './commands/tokens.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { ExitCodes, reportFailure } from './report-error.ts';
import { readVersion } from './version.ts';

export type { Env } from './env.ts';
import type { Env } from './env.ts';

/**
 * The only entry point that sees the process environment; every command gets what it needs passed in.
 * Command modules import their machinery when they run, so `--help` loads commander and little else.
 */
export async function main(argv: string[], env: Env): Promise<number> {
  const program = createProgram(env);
  try {
    await program.parseAsync(argv);
    return ExitCodes.ok;
  } catch (err) {
    // Commander has already printed its own usage errors (see configureOutput); --help and --version exit 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCodes.ok : ExitCodes.usage;
    const failure = reportFailure(err, { debug: env.SLUICE_DEBUG === '1' });
    process.stderr.write(failure.text);
    return failure.exitCode;
  }
}

export function createProgram(env: Env): Command {
  const program = new Command()
    .name('sluice')
    .description('Move bulk query results out of databases and into object storage.')
    .version(readVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      // Usage errors look like every other failure: one line, a code, then where to look.
      outputError: (text, write) => write(`sluice: USAGE: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage)');

  registerApiCommand(program, env);
  registerCompletionCommand(program);
  registerDeliveryCommand(program, env);
  registerDemoCommand(program, env);
  registerExportCommand(program, env);
  registerInfraCommand(program, env);
  registerSchedulerCommand(program, env);
  registerSchedulesCommand(program, env);
  registerSchemasCommand(program, env);
  registerJobsCommand(program, env);
  registerSubmitCommand(program, env);
  registerTokensCommand(program, env);
  registerPoliciesCommand(program, env);
  registerSourcesCommand(program, env);
  registerWorkerCommand(program, env);
  return program;
}
