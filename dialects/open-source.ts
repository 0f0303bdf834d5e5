import { SluiceError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';
import { lazySource } from './lazy-source.ts';
import type { Source } from './source.ts';
import { createSqliteSource } from './sqlite/source.ts';

export interface OpenSourceOptions {
  statementTimeoutMs?: number;
}

/**
 * A source from its connection URL: `postgres://…` (or `postgresql://`), `mysql://…` (or `mariadb://`),
 * `sqlite:<path>` (or `sqlite::memory:`) for the embedded default, `duckdb:<path>` (or `duckdb::memory:`).
 */
export function openSource(url: string, options: OpenSourceOptions = {}): Source {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return lazySource(
        'postgres',
        async () => (await import('./postgres/source.ts')).createPostgresSource({ url, ...options }),
        { streamCsv: true, keySpan: true },
      );
    case 'mysql':
    case 'mariadb':
      return lazySource(
        'mysql',
        async () =>
          (await import('./mysql/source.ts')).createMysqlSource({
            url: url.replace(/^mariadb:/i, 'mysql:'),
            ...options,
          }),
        { streamCsv: true },
      );
    case 'sqlite':
      return createSqliteSource({ filename: url.slice('sqlite:'.length).replace(/^\/\//, '') });
    case 'duckdb':
      return lazySource('duckdb', async () =>
        (await import('./duckdb/source.ts')).createDuckdbSource({
          path: url.slice('duckdb:'.length).replace(/^\/\//, ''),
          ...options,
        }),
      );
    default:
      throw new SluiceError(
        'SOURCE_UNSUPPORTED',
        `no source for ${JSON.stringify(redactUrl(url))}; supported: postgres://, mysql://, mariadb://, sqlite:<path>, duckdb:<path>`,
        { details: { scheme } },
      );
  }
}

/** The engine a URL names, without opening anything: what planning compiles metric SQL for. */
export function dialectOf(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'sqlite':
    case 'duckdb':
      return scheme;
    default:
      throw new SluiceError('SOURCE_UNSUPPORTED', `no source for ${JSON.stringify(redactUrl(url))}`, {
        details: { scheme },
      });
  }
}
