import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { queueMail } from '../../schedules/mail-queue.ts';
import type { Outcome } from './compose-mail.ts';

/**
 * An export's outcome event arrived: remember it on every delivery waiting for that export and queue one
 * mail per recipient (the mail job's id is derived from run and recipient, so a redelivered event queues
 * nothing new). Returns how many deliveries the event concerned; 0 for exports no schedule made.
 */
export async function onOutcome(pool: pg.Pool, boss: PgBoss, outcome: Outcome): Promise<number> {
  const { rows } = await pool.query<{ run_id: string; recipient: string }>(
    `UPDATE sluice_schedule_deliveries SET outcome = $2, updated_at = now()
      WHERE job_id = $1 AND kind = 'export' AND outcome IS NULL
      RETURNING run_id, recipient`,
    [outcome.event.jobId, JSON.stringify(outcome)],
  );
  // Also the ones whose outcome was stored by an earlier delivery of this event but whose mail was not queued.
  const { rows: pending } = await pool.query<{ run_id: string; recipient: string }>(
    `SELECT run_id, recipient FROM sluice_schedule_deliveries
      WHERE job_id = $1 AND kind = 'export' AND state = 'waiting'`,
    [outcome.event.jobId],
  );
  const all = new Map([...rows, ...pending].map((r) => [`${r.run_id}\u0000${r.recipient}`, r]));
  for (const r of all.values()) await queueMail(boss, pool, r.run_id, r.recipient);
  return all.size;
}
