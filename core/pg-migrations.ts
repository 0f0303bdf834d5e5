import type pg from 'pg';

/** One lock for every sluice schema step: processes starting together apply them one at a time. */
const MIGRATION_LOCK = 0x51_1c_e0_00;

/**
 * Applies idempotent schema steps (`CREATE … IF NOT EXISTS`) under a PostgreSQL advisory lock. Whoever
 * needs a store first (worker, API, CLI) brings its tables up to date; running them again is harmless.
 */
export async function applySchemaSteps(pool: pg.Pool, steps: readonly string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      for (const step of steps) await client.query(step);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
