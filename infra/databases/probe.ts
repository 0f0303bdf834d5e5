import mysql from 'mysql2/promise';
import pg from 'pg';
import { SluiceError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact.ts';
import { describeError } from '../wait-until.ts';

export async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

export async function probeMysql(url: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: url, connectTimeout: 3_000 });
  try {
    await conn.query('SELECT 1');
  } finally {
    await conn.end().catch(() => {});
  }
}

/**
 * PostgreSQL and MariaDB are the machine's, not ours: they are checked, never started. Both are checked
 * so one error names everything that is missing.
 */
export async function checkDatabases(databaseUrl: string, mysqlUrl: string): Promise<void> {
  const checks = [
    { title: 'PostgreSQL', url: databaseUrl, run: probePostgres(databaseUrl) },
    { title: 'MariaDB/MySQL', url: mysqlUrl, run: probeMysql(mysqlUrl) },
  ];
  const results = await Promise.allSettled(checks.map((c) => c.run));
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected'
      ? [`${checks[i]!.title} at ${redactUrl(checks[i]!.url)}: ${describeError(r.reason)}`]
      : [],
  );
  if (failures.length > 0) {
    throw new SluiceError(
      'INFRA_UNAVAILABLE',
      `database did not answer SELECT 1 (sluice does not start databases; start them, or point ` +
        `SLUICE_DATABASE_URL / SLUICE_MYSQL_URL elsewhere):\n  ${failures.join('\n  ')}`,
      { retriable: true, details: { failures } },
    );
  }
}
