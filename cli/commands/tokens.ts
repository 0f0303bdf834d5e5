import type { Command } from 'commander';
import {
  TOKEN_KINDS,
  TOKEN_ROLES,
  type TokenKind,
  type TokenRole,
  type TokenStore,
} from '../../auth/tokens.ts';
import { SluiceError } from '../../core/errors.ts';
import { positiveInt, readDatabaseUrl } from '../config.ts';
import type { Env } from '../env.ts';
import { withStateDb } from '../state-db.ts';

const DAY_SECONDS = 86_400;

/** Workspace tokens for the HTTP API: made, listed and revoked by an operator with database access. */
export function registerTokensCommand(program: Command, env: Env): void {
  const tokens = program.command('tokens').description('Create, list and revoke workspace API tokens.');

  tokens
    .command('create')
    .description('Create a token; prints it once on stdout (it is stored only hashed) and its id on stderr.')
    .requiredOption('--workspace <id>', 'workspace the token acts in')
    .requiredOption('--user <id>', 'user the token acts as')
    .requiredOption('--kind <kind>', 'api | interactive (decides the rate limit)')
    .option('--role <role>', 'member (its own jobs) | admin (every job of the workspace)', 'member')
    .option('--expires-in-days <n>', 'expire after N days (default: never)')
    .action(async (opts) => {
      if (!(TOKEN_KINDS as readonly string[]).includes(opts.kind))
        throw new SluiceError('USAGE', `--kind must be one of ${TOKEN_KINDS.join(', ')}`);
      if (!TOKEN_ROLES.includes(opts.role))
        throw new SluiceError('USAGE', `--role must be one of ${TOKEN_ROLES.join(', ')}`);
      const days =
        opts.expiresInDays === undefined ? undefined : positiveInt('--expires-in-days', opts.expiresInDays);
      await withStore(env, async (store) => {
        const { token, id } = await store.create({
          workspaceId: opts.workspace,
          userId: opts.user,
          kind: opts.kind as TokenKind,
          role: opts.role as TokenRole,
          ...(days === undefined ? {} : { expiresInSeconds: days * DAY_SECONDS }),
        });
        // The id goes to stderr so `TOKEN=$(sluice tokens create …)` captures the secret alone.
        process.stderr.write(`created ${id} (shown once; store it now)\n`);
        process.stdout.write(`${token}\n`);
      });
    });

  tokens
    .command('revoke')
    .description('Revoke a token by its id (tok_…); it stops authenticating at once.')
    .argument('<id>', 'token id')
    .action(async (id: string) => {
      await withStore(env, async (store) => {
        if (!(await store.revoke(id)))
          throw new SluiceError('USAGE', `no live token ${id} (unknown or already revoked)`);
        process.stderr.write(`revoked ${id}\n`);
      });
    });

  tokens
    .command('list')
    .description("List a workspace's tokens (never the secrets).")
    .requiredOption('--workspace <id>', 'workspace id')
    .action(async (opts) => {
      await withStore(env, async (store) => {
        const now = Date.now();
        const lines = ['id\tprefix\tuser\tkind\trole\tcreated\texpires\tstatus'];
        for (const t of await store.list(opts.workspace)) {
          const status = t.revokedAt
            ? 'revoked'
            : t.expiresAt && t.expiresAt.getTime() <= now
              ? 'expired'
              : 'active';
          const expires = t.expiresAt?.toISOString() ?? 'never';
          lines.push(
            [
              t.tokenId,
              t.prefix + '…',
              t.userId,
              t.kind,
              t.role,
              t.createdAt.toISOString(),
              expires,
              status,
            ].join('\t'),
          );
        }
        process.stdout.write(lines.join('\n') + '\n');
      });
    });
}

// pg and the store load when a tokens command runs, not for every `sluice`.
async function withStore(env: Env, fn: (store: TokenStore) => Promise<void>): Promise<void> {
  const { migrateAuthStore } = await import('../../auth/migrations.ts');
  const { TokenStore } = await import('../../auth/tokens.ts');
  // The workers' database (DATABASE_URL), without needing S3 settings; by hand, the local one by default.
  await withStateDb(readDatabaseUrl(env), async (pool) => {
    await migrateAuthStore(pool);
    await fn(new TokenStore(pool));
  });
}
