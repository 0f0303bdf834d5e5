import type pg from 'pg';
import type PgBoss from 'pg-boss';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { SluiceError } from '../../core/errors.ts';
import { withTransaction } from '../../core/pg-transaction.ts';
import { armTick } from '../../schedules/arm-tick.ts';
import { checkCron, nextRun, nextRuns } from '../../schedules/cron.ts';
import { ScheduleBodySchema, SchedulePatchSchema, type Schedule } from '../../schedules/schedule.ts';
import {
  deleteSchedule,
  getSchedule,
  insertSchedule,
  newScheduleId,
  updateSchedule,
} from '../../schedules/schedule-store.ts';
import { fieldErrorsFromZod, invalid } from './problem.ts';
import { resolveScheduledRequest, type ScheduleRequestDeps } from './schedule-request.ts';

/** What managing schedules needs: the database, pg-boss to arm ticks, and what bodies are checked against. */
export interface ScheduleAdminDeps extends ScheduleRequestDeps {
  pool: pg.Pool;
  boss: PgBoss;
  now?: () => Date;
}

/** How many upcoming runs an answer lists. */
const SHOWN_RUNS = 5;

/** A schedule as the API answers it: the body's fields, its state and its next run times. */
export function scheduleView(s: Schedule) {
  return {
    id: s.scheduleId,
    name: s.name,
    cron: s.cron,
    timeZone: s.timeZone,
    recipients: s.recipients,
    [s.kind]: s.body,
    state: s.state,
    nextRuns:
      s.state === 'active' && s.nextRunAt
        ? [s.nextRunAt, ...nextRuns(s.cron, s.timeZone, s.nextRunAt, SHOWN_RUNS - 1)].map((d) =>
            d.toISOString(),
          )
        : [],
    lastRunAt: s.lastRunAt?.toISOString() ?? null,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

function parseObject(body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalid([{ field: '(body)', rule: 'must be a JSON object' }]);
  return body;
}

/** Checks a whole body (every field named on failure) and stores the schedule with its first run armed. */
export async function createSchedule(
  deps: ScheduleAdminDeps,
  identity: TokenIdentity,
  raw: unknown,
): Promise<Schedule> {
  const object = parseObject(raw) as Record<string, unknown>;
  const parsed = ScheduleBodySchema.safeParse(object);
  // Every field at once: a body with a bad cron and no recipients is told about both.
  const cronErrors =
    typeof object.cron === 'string' && typeof object.timeZone === 'string'
      ? checkCron(object.cron, object.timeZone)
      : [];
  if (!parsed.success || cronErrors.length > 0)
    throw invalid([...(parsed.success ? [] : fieldErrorsFromZod(parsed.error)), ...cronErrors]);
  const body = parsed.data;
  const what = await resolveScheduledRequest(deps, identity, body);
  const now = deps.now?.() ?? new Date();
  return withTransaction(deps.pool, async (client) => {
    const schedule = await insertSchedule(client, {
      scheduleId: newScheduleId(),
      workspaceId: identity.workspaceId,
      name: body.name ?? null,
      createdBy: identity.userId,
      cron: body.cron.trim(),
      timeZone: body.timeZone,
      recipients: [...new Set(body.recipients)],
      kind: what.kind,
      body: what.body,
      request: what.request,
      state: 'active',
      nextRunAt: nextRun(body.cron, body.timeZone, now),
    });
    await armTick(deps.boss, client, schedule);
    return schedule;
  });
}

/**
 * Pause (`state: "paused"`), resume (`state: "active"`, next run counted from now: runs missed while
 * paused are not made up), or change fields. Any change re-arms the next run; a tick armed before finds
 * the schedule's version moved on and does nothing.
 */
export async function patchSchedule(
  deps: ScheduleAdminDeps,
  identity: TokenIdentity,
  scheduleId: string,
  raw: unknown,
): Promise<Schedule> {
  const parsed = SchedulePatchSchema.safeParse(parseObject(raw));
  if (!parsed.success) throw invalid(fieldErrorsFromZod(parsed.error));
  const patch = parsed.data;
  const current = await requireSchedule(deps.pool, identity, scheduleId);
  const cron = patch.cron ?? current.cron;
  const timeZone = patch.timeZone ?? current.timeZone;
  const cronErrors = checkCron(cron, timeZone);
  if (cronErrors.length > 0) throw invalid(cronErrors);
  const replacesWhat =
    patch.export !== undefined || patch.report !== undefined || patch.csvGenerator !== undefined;
  const what = replacesWhat ? await resolveScheduledRequest(deps, identity, patch) : undefined;
  const now = deps.now?.() ?? new Date();

  return withTransaction(deps.pool, async (client) => {
    const locked = await getSchedule(client, identity.workspaceId, scheduleId, true);
    if (!locked) throw notFound(scheduleId);
    const state = patch.state ?? locked.state;
    const timing = patch.cron !== undefined || patch.timeZone !== undefined || state !== locked.state;
    const next: Schedule = {
      ...locked,
      name: patch.name ?? locked.name,
      cron: cron.trim(),
      timeZone,
      recipients: patch.recipients ? [...new Set(patch.recipients)] : locked.recipients,
      ...(what ? { kind: what.kind, body: what.body, request: what.request } : {}),
      state,
      nextRunAt:
        state === 'paused'
          ? null
          : timing || !locked.nextRunAt
            ? nextRun(cron, timeZone, now)
            : locked.nextRunAt,
    };
    const saved = await updateSchedule(client, next);
    await armTick(deps.boss, client, saved);
    return saved;
  });
}

export async function removeSchedule(deps: ScheduleAdminDeps, identity: TokenIdentity, scheduleId: string) {
  if (!(await deleteSchedule(deps.pool, identity.workspaceId, scheduleId))) throw notFound(scheduleId);
}

export async function requireSchedule(
  pool: pg.Pool,
  identity: TokenIdentity,
  scheduleId: string,
): Promise<Schedule> {
  const s = await getSchedule(pool, identity.workspaceId, scheduleId);
  if (!s) throw notFound(scheduleId);
  return s;
}

function notFound(scheduleId: string): SluiceError {
  return new SluiceError('SCHEDULE_NOT_FOUND', `no schedule ${JSON.stringify(scheduleId)} in this workspace`);
}
