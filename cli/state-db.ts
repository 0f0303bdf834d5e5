import type pg from 'pg';
import { SluiceError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

/**
 * A pool on sluice's own PostgreSQL (DATABASE_URL) for an operator command, closed afterwards. A database that
 * cannot be reached or refuses the login is INFRA_UNAVAILABLE naming the (redacted) URL, not a stack trace.
 */
export async function withStateDb<T>(databaseUrl: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {}); // an idle connection dropping; the next query reports it
  try {
    try {
      const client = await pool.connect();
      client.release();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const reason = UNREACHABLE.has(code) || /^(08|28|3D)/.test(code) ? (err as Error).message : String(err);
      throw new SluiceError('INFRA_UNAVAILABLE', `sluice's database ${redactUrl(databaseUrl)}: ${reason}`, {
        cause: err,
        retriable: true,
      });
    }
    return await work(pool);
  } finally {
    await pool.end();
  }
}
