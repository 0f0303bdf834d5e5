import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Transporter } from 'nodemailer';
import { SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import {
  completedMail,
  failedMail,
  noticeMail,
  shouldAttach,
  type MailContent,
  type MailContext,
  type Outcome,
} from './compose-mail.ts';

export interface MailDeps {
  pool: pg.Pool;
  transport: Transporter;
  from: string;
  /** Finished exports up to this size go in the mail as a file as well as a link. */
  attachMaxBytes: number;
  log: Logger;
  /** Fetches a presigned URL's bytes (global fetch by default). */
  download?: (url: string) => Promise<Buffer>;
}

interface DeliveryRow {
  run_id: string;
  recipient: string;
  kind: 'export' | 'notice';
  state: string;
  outcome: Outcome | null;
  schedule_id: string;
  workspace_id: string;
  name: string | null;
  time_zone: string;
  scheduled_for: Date;
}

/** The Message-ID of the one mail of a run to a recipient: a resend after a crash carries the same one. */
export function messageIdFor(runId: string, recipient: string): string {
  return `<${runId}.${createHash('sha256').update(recipient).digest('hex').slice(0, 16)}@sluice>`;
}

export type MailResult = 'sent' | 'already-sent' | 'gone';

/**
 * Sends the mail of one (run, recipient), at most once: a delivery already `sent` is never sent again,
 * whoever redelivers the job or the event. The row is marked `sending` before the SMTP transaction and
 * `sent` after the server accepted it; only a crash between those two leaves a resend possible, and that
 * resend carries the same Message-ID, so the receiving side can tell it is the same mail.
 */
export async function sendDeliveryMail(
  deps: MailDeps,
  runId: string,
  recipient: string,
): Promise<MailResult> {
  const { rows } = await deps.pool.query<DeliveryRow>(
    `UPDATE sluice_schedule_deliveries d
        SET state = 'sending', attempts = attempts + 1, updated_at = now()
       FROM sluice_schedule_runs r JOIN sluice_schedules s ON s.schedule_id = r.schedule_id
      WHERE d.run_id = $1 AND d.recipient = $2 AND r.run_id = d.run_id AND d.state <> 'sent'
      RETURNING d.run_id, d.recipient, d.kind, d.state, d.outcome, s.schedule_id, s.workspace_id, s.name,
                s.time_zone, r.scheduled_for`,
    [runId, recipient],
  );
  const row = rows[0];
  if (!row) {
    const sent = await deps.pool.query(
      `SELECT 1 FROM sluice_schedule_deliveries WHERE run_id = $1 AND recipient = $2 AND state = 'sent'`,
      [runId, recipient],
    );
    return sent.rowCount ? 'already-sent' : 'gone';
  }
  const ctx: MailContext = {
    scheduleName: row.name ?? row.schedule_id,
    scheduleId: row.schedule_id,
    workspaceId: row.workspace_id,
    timeZone: row.time_zone,
    scheduledFor: row.scheduled_for,
    recipient,
  };
  const content = await compose(deps, row, ctx);
  const messageId = messageIdFor(runId, recipient);
  try {
    await deps.transport.sendMail({
      from: deps.from,
      to: recipient,
      subject: content.subject,
      text: content.text,
      messageId,
      headers: { 'X-Sluice-Run': runId, 'X-Sluice-Schedule': row.schedule_id },
      ...(content.attachment ? { attachments: [content.attachment] } : {}),
    });
  } catch (err) {
    await deps.pool.query(
      `UPDATE sluice_schedule_deliveries SET last_error = $3, updated_at = now() WHERE run_id = $1 AND recipient = $2`,
      [runId, recipient, (err as Error).message.slice(0, 2000)],
    );
    throw new SluiceError('DELIVERY_FAILED', `mail to ${recipient}: ${(err as Error).message}`, {
      retriable: true,
      cause: err,
    });
  }
  await deps.pool.query(
    `UPDATE sluice_schedule_deliveries
        SET state = 'sent', mail = $3, message_id = $4, sent_at = now(), last_error = NULL, updated_at = now()
      WHERE run_id = $1 AND recipient = $2`,
    [runId, recipient, content.kind, messageId],
  );
  deps.log.info('delivery.sent', { runId, recipient, mail: content.kind });
  return 'sent';
}

/** Marks a delivery failed for good (retries exhausted), with the last error. */
export async function markDeliveryFailed(pool: pg.Pool, runId: string, recipient: string, error: string) {
  await pool.query(
    `UPDATE sluice_schedule_deliveries SET state = 'failed', last_error = $3, updated_at = now()
      WHERE run_id = $1 AND recipient = $2 AND state <> 'sent'`,
    [runId, recipient, error.slice(0, 2000)],
  );
}

async function compose(deps: MailDeps, row: DeliveryRow, ctx: MailContext): Promise<MailContent> {
  if (row.kind === 'notice') return noticeMail(ctx);
  if (!row.outcome) throw new SluiceError('INTERNAL_ERROR', `delivery ${row.run_id} has no outcome yet`);
  if (row.outcome.kind === 'failed') return failedMail(ctx, row.outcome.event);
  const event = row.outcome.event;
  if (!shouldAttach(event, deps.attachMaxBytes)) return completedMail(ctx, event);
  const download = deps.download ?? fetchBytes;
  return completedMail(ctx, event, await download(event.url));
}

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok)
    throw new SluiceError('DELIVERY_FAILED', `downloading the export answered ${res.status}`, {
      retriable: true,
    });
  return Buffer.from(await res.arrayBuffer());
}
