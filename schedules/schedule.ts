import { z } from 'zod';
import type { ExportRequested } from '../schemas/export-requested.ts';

/**
 * `POST /v1/schedules`: when (cron + zone), who gets it (recipients), and what (exactly one of an export
 * body, a report export, a CSV-generator body — each the same body its own route takes).
 */
export const ScheduleBodySchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  cron: z.string().min(1).max(200),
  timeZone: z.string().min(1).max(64),
  recipients: z.array(z.email().max(200)).min(1, { message: 'at least one recipient' }).max(500),
  export: z.record(z.string(), z.unknown()).optional(),
  report: z.record(z.string(), z.unknown()).optional(),
  csvGenerator: z.unknown().optional(),
});
export type ScheduleBody = z.infer<typeof ScheduleBodySchema>;

/** `PATCH /v1/schedules/{id}`: pause or resume (`state`), or change any of the body's fields. */
export const SchedulePatchSchema = ScheduleBodySchema.partial().extend({
  state: z.enum(['active', 'paused']).optional(),
});
export type SchedulePatch = z.infer<typeof SchedulePatchSchema>;

export type ScheduleKind = 'export' | 'report' | 'csvGenerator';
export type ScheduleState = 'active' | 'paused';

/** What a tick publishes, minus what each firing sets (requestId, recipient, the mail link's lifetime). */
export type ScheduledRequest = Omit<
  ExportRequested,
  'version' | 'workspaceId' | 'requestedBy' | 'requestId' | 'recipient' | 'urlTtlSeconds'
>;

export interface Schedule {
  scheduleId: string;
  workspaceId: string;
  name: string | null;
  createdBy: string;
  cron: string;
  timeZone: string;
  recipients: string[];
  kind: ScheduleKind;
  /** The body as the caller sent it (export, report or csvGenerator part), for reading back. */
  body: unknown;
  request: ScheduledRequest;
  state: ScheduleState;
  /** Bumped by every change: a tick armed for an older version is stale and does nothing. */
  version: number;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
