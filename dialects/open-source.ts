import { SluiceError } from '../core/errors.ts';
import type { Source } from './source.ts';
import { createSqliteSource } from './sqlite/source.ts';

/**
 * A source from its connection URL: `sqlite:<path>` (or `sqlite::memory:`) for the embedded default.
 * PostgreSQL and MySQL/MariaDB sources arrive with the export worker.
 */
export function openSource(url: string): Source {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return createSqliteSource({ filename: url.slice('sqlite:'.length).replace(/^\/\//, '') });
    default:
      throw new SluiceError(
        'SOURCE_UNSUPPORTED',
        `no source for ${JSON.stringify(redact(url))}; supported: sqlite:<path>`,
        {
          details: { scheme },
        },
      );
  }
}

/** Connection URLs carry passwords; error messages and logs must not. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
