import type { FastifyInstance } from 'fastify';
import { listRuns, listSchedules } from '../../schedules/schedule-store.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticate } from './auth.ts';
import {
  createSchedule,
  patchSchedule,
  removeSchedule,
  requireSchedule,
  scheduleView,
  type ScheduleAdminDeps,
} from './schedules.ts';

/**
 * `/v1/schedules`: a workspace's scheduled exports (cron in a time zone, recipients, and the export body of
 * POST /v1/exports, a report export or a CSV-generator body). Each answer lists the next run times.
 */
export function registerScheduleRoutes(app: FastifyInstance, deps: ApiDeps, admin: ScheduleAdminDeps): void {
  app.post('/v1/schedules', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    const schedule = await createSchedule(admin, identity, req.body);
    return reply
      .code(201)
      .header('location', `/v1/schedules/${schedule.scheduleId}`)
      .send(scheduleView(schedule));
  });

  app.get('/v1/schedules', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    return { schedules: (await listSchedules(deps.pool, identity.workspaceId)).map(scheduleView) };
  });

  app.get<{ Params: { id: string } }>('/v1/schedules/:id', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    return scheduleView(await requireSchedule(deps.pool, identity, req.params.id));
  });

  app.patch<{ Params: { id: string } }>('/v1/schedules/:id', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    return scheduleView(await patchSchedule(admin, identity, req.params.id, req.body));
  });

  app.delete<{ Params: { id: string } }>('/v1/schedules/:id', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    await removeSchedule(admin, identity, req.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v1/schedules/:id/runs', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    const schedule = await requireSchedule(deps.pool, identity, req.params.id);
    const runs = await listRuns(deps.pool, schedule.scheduleId);
    return {
      runs: runs.map((r) => ({
        id: r.runId,
        scheduledFor: r.scheduledFor.toISOString(),
        firedAt: r.firedAt.toISOString(),
        exports: r.exports,
        deliveries: r.deliveries.map((d) => ({ ...d, sentAt: d.sentAt?.toISOString() ?? null })),
      })),
    };
  });
}
