import { createHash } from 'node:crypto';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { withTransaction } from '../../core/pg-transaction.ts';
import { enqueueExportIn } from '../outbox/enqueue-export.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { rowSecurityFor, type PolicyStore } from '../../security/row-policy.ts';
import { armTick, type TickData } from '../../schedules/arm-tick.ts';
import { queueMail } from '../../schedules/mail-queue.ts';
import { nextRun } from '../../schedules/cron.ts';
import type { Schedule } from '../../schedules/schedule.ts';
import { getSchedule } from '../../schedules/schedule-store.ts';
import { splitByView, type View } from '../../schedules/views.ts';

export interface FireDeps {
  pool: pg.Pool;
  boss: PgBoss;
  policies: PolicyStore;
  /** The presigned link's lifetime in the mail (at most 7 days: SigV4's limit). */
  linkTtlSeconds: number;
  /** Who fired (a process id), recorded on the run. */
  firedBy: string;
  /** Where the requests are published; the contract's topic by default. */
  requestTopic?: string;
  now?: () => Date;
}

export type FireOutcome =
  | { kind: 'fired'; runId: string; jobIds: string[]; notices: string[]; nextRunAt: Date }
  /** The schedule was deleted, paused or changed since this tick was armed, or the run exists already. */
  | { kind: 'stale' };

export function runIdFor(scheduleId: string, scheduledFor: Date): string {
  const h = createHash('sha256').update(`${scheduleId}\u0000${scheduledFor.toISOString()}`).digest('hex');
  return `run_${h.slice(0, 24)}`;
}

/** The request id of one view's export in one run: stable, so a retried tick yields the same job. */
export function requestIdFor(scheduleId: string, scheduledFor: Date, view: View): string {
  const viewHash = createHash('sha256').update(view.key).digest('hex').slice(0, 12);
  return `schedule-${scheduleId}-${scheduledFor.getTime()}-${viewHash}`;
}

/**
 * Fires one armed tick. In one transaction, with the schedule row locked: check the tick is still the
 * schedule's next run (else stale), write the run, publish one ordinary export request per distinct
 * row-policy view through the outbox (same topic, same queue and fairness as any export), queue a notice
 * for recipients without any policy, move next_run_at to the first run after *now* and arm it. So a
 * schedule whose runs were all missed while everything was down runs once on recovery, and the runs in
 * between are skipped rather than replayed; a second process holding the same tick finds it stale.
 */
export async function fireTick(deps: FireDeps, tick: TickData): Promise<FireOutcome> {
  const now = deps.now?.() ?? new Date();
  const scheduledFor = new Date(tick.tick);
  // Policies are read before the transaction: no row lock is held while they load.
  const preview = await getSchedule(deps.pool, undefined, tick.scheduleId);
  if (!isCurrent(preview, tick)) return { kind: 'stale' };
  const split = await viewsFor(deps.policies, preview);

  return withTransaction(deps.pool, async (client) => {
    const schedule = await getSchedule(client, undefined, tick.scheduleId, true);
    if (!schedule || !isCurrent(schedule, tick) || schedule.version !== preview.version)
      return { kind: 'stale' };
    const runId = runIdFor(schedule.scheduleId, scheduledFor);
    const run = await client.query(
      `INSERT INTO sluice_schedule_runs (run_id, schedule_id, workspace_id, scheduled_for, fired_by)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [runId, schedule.scheduleId, schedule.workspaceId, scheduledFor, deps.firedBy],
    );
    if (run.rowCount === 0) return { kind: 'stale' };

    const jobIds: string[] = [];
    for (const view of split.views) {
      const request: ExportRequested = {
        ...schedule.request,
        version: 1,
        workspaceId: schedule.workspaceId,
        requestedBy: schedule.createdBy,
        // Any member of the view: they all see the same rows.
        recipient: view.recipients[0]!,
        requestId: requestIdFor(schedule.scheduleId, scheduledFor, view),
        urlTtlSeconds: deps.linkTtlSeconds,
      };
      const { jobId } = await enqueueExportIn(
        client,
        request,
        deps.requestTopic ? { topic: deps.requestTopic } : {},
      );
      jobIds.push(jobId);
      await client.query(
        `INSERT INTO sluice_schedule_run_exports (run_id, view_key, job_id, recipients) VALUES ($1, $2, $3, $4)`,
        [runId, view.key, jobId, JSON.stringify(view.recipients)],
      );
      for (const recipient of view.recipients) {
        await client.query(
          `INSERT INTO sluice_schedule_deliveries (run_id, recipient, kind, job_id, state)
           VALUES ($1, $2, 'export', $3, 'waiting')`,
          [runId, recipient, jobId],
        );
      }
    }
    for (const recipient of split.withoutPolicy) {
      await client.query(
        `INSERT INTO sluice_schedule_deliveries (run_id, recipient, kind, state) VALUES ($1, $2, 'notice', 'waiting')`,
        [runId, recipient],
      );
      await queueMail(deps.boss, client, runId, recipient);
    }

    const nextRunAt = nextRun(schedule.cron, schedule.timeZone, now > scheduledFor ? now : scheduledFor);
    const { rows } = await client.query<{ version: number }>(
      `UPDATE sluice_schedules SET next_run_at = $2, last_run_at = $3, updated_at = now()
        WHERE schedule_id = $1 RETURNING version`,
      [schedule.scheduleId, nextRunAt, scheduledFor],
    );
    await armTick(deps.boss, client, { ...schedule, nextRunAt, version: rows[0]!.version });
    return { kind: 'fired', runId, jobIds, notices: split.withoutPolicy, nextRunAt };
  });
}

function isCurrent(schedule: Schedule | undefined, tick: TickData): schedule is Schedule {
  return (
    schedule !== undefined &&
    schedule.state === 'active' &&
    schedule.version === tick.version &&
    schedule.nextRunAt?.getTime() === new Date(tick.tick).getTime()
  );
}

/**
 * Each recipient gets what they would see live: every request kind runs with its recipient's row policies
 * (catalog requests always, tables when policies govern them), so recipients are grouped by what their
 * policies grant and each group shares one export. Grouping every kind is the side that cannot leak: a
 * recipient with no policy at all gets a notice, even for a table no policy governs.
 */
async function viewsFor(policies: PolicyStore, schedule: Schedule) {
  const grants = await Promise.all(
    schedule.recipients.map(async (recipient) => ({
      recipient,
      grants: (await rowSecurityFor(policies, schedule.workspaceId, recipient)).grants,
    })),
  );
  return splitByView(grants);
}
