import { Command, CommanderError } from 'commander';
import { isSluiceError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import { registerApiCommand } from './commands/api.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerExportCommand } from './commands/export.ts';
import { registerInfraCommand } from './commands/infra.ts';
import { registerSchemasCommand } from './commands/schemas.ts';
import { registerSubmitCommand } from './commands/submit.ts';
import { registerPoliciesCommand } from './commands/policies.ts';
import { registerSourcesCommand } from './commands/sources.ts';
import { registerTokensCommand } from './commands/tokens.ts';
import { registerWorkerCommand } from './commands/worker.ts';

export type { Env } from './env.ts';
import type { Env } from './env.ts';

/** The only entry point that sees the process environment; every command gets what it needs passed in. */
export async function main(argv: string[], env: Env): Promise<number> {
  const program = new Command()
    .name('sluice')
    .description('Move bulk query results out of databases and into object storage.')
    .exitOverride()
    .showHelpAfterError();

  registerApiCommand(program, env);
  registerDemoCommand(program, env);
  registerExportCommand(program, env);
  registerInfraCommand(program, env);
  registerSchemasCommand(program, env);
  registerSubmitCommand(program, env);
  registerTokensCommand(program, env);
  registerPoliciesCommand(program, env);
  registerSourcesCommand(program, env);
  registerWorkerCommand(program, env);

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (isSluiceError(err)) {
      process.stderr.write(`sluice: ${err.code}: ${redactText(err.message)}\n`);
      return 1;
    }
    // Anything else is a bug; its message may still quote a URL given on the command line.
    if (err instanceof Error) err.message = redactText(err.message);
    throw err;
  }
}
