import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { bossDb, deterministicJobId, Queues } from './boss.ts';

/** One mail job per (run, recipient): its id is derived from both, so it is queued once however often asked. */
export async function queueMail(
  boss: PgBoss,
  db: pg.PoolClient | pg.Pool,
  runId: string,
  recipient: string,
): Promise<void> {
  await boss.send(
    Queues.mail,
    { runId, recipient },
    { id: deterministicJobId('mail', runId, recipient), db: bossDb(db) },
  );
}
