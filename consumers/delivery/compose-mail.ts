import type { ExportCompleted, ExportFailed } from '../../schemas/export-outcome.ts';

/** What a mail is about: one run of one schedule, for one recipient. */
export interface MailContext {
  scheduleName: string;
  scheduleId: string;
  workspaceId: string;
  timeZone: string;
  scheduledFor: Date;
  recipient: string;
}

export type MailKind = 'link' | 'attachment' | 'failure' | 'notice';

export interface MailContent {
  kind: MailKind;
  subject: string;
  text: string;
  attachment?: { filename: string; content: Buffer; contentType: string };
}

export type Outcome = { kind: 'completed'; event: ExportCompleted } | { kind: 'failed'; event: ExportFailed };

function when(ctx: MailContext): string {
  return `${new Intl.DateTimeFormat('en-GB', {
    timeZone: ctx.timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(ctx.scheduledFor)} (${ctx.timeZone})`;
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Whether a finished export goes in the mail itself: one file (not a split manifest), small enough. */
export function shouldAttach(event: ExportCompleted, attachMaxBytes: number): boolean {
  return event.files === undefined && event.bytes <= attachMaxBytes;
}

/** The file name a recipient sees: the object key's last part. */
export function attachmentName(event: ExportCompleted): string {
  return event.key.split('/').pop() || `export.${event.format}`;
}

/** The mail for a finished export: always the link (valid until its expiry), plus the file when given. */
export function completedMail(ctx: MailContext, event: ExportCompleted, file?: Buffer): MailContent {
  const lines = [
    `The scheduled export "${ctx.scheduleName}" ran for ${when(ctx)}.`,
    '',
    `${event.rows} rows, ${humanBytes(event.bytes)} (${event.format}).`,
    file ? `The file is attached; it can also be downloaded here:` : `Download it here:`,
    event.url,
    `This link works until ${new Date(event.urlExpiresAt).toUTCString()}.`,
    '',
    `SHA-256: ${event.sha256}`,
    `Schedule ${ctx.scheduleId}, workspace ${ctx.workspaceId}. The rows are those your own access allows.`,
  ];
  return {
    kind: file ? 'attachment' : 'link',
    subject: `[sluice] ${ctx.scheduleName}: ${event.rows} rows`,
    text: lines.join('\n') + '\n',
    ...(file
      ? { attachment: { filename: attachmentName(event), content: file, contentType: event.contentType } }
      : {}),
  };
}

export function failedMail(ctx: MailContext, event: ExportFailed): MailContent {
  return {
    kind: 'failure',
    subject: `[sluice] ${ctx.scheduleName}: the export failed`,
    text:
      [
        `The scheduled export "${ctx.scheduleName}" for ${when(ctx)} failed, so there is no file this time.`,
        '',
        `${event.code}: ${event.message}`,
        '',
        `Schedule ${ctx.scheduleId}, workspace ${ctx.workspaceId}; the next run is attempted as scheduled.`,
      ].join('\n') + '\n',
  };
}

/** For a recipient no row policy grants anything: they would see no rows live, so they get none here. */
export function noticeMail(ctx: MailContext): MailContent {
  return {
    kind: 'notice',
    subject: `[sluice] ${ctx.scheduleName}: no data for you`,
    text:
      [
        `You are a recipient of the scheduled export "${ctx.scheduleName}" (run of ${when(ctx)}),`,
        `but no row-level security policy in workspace ${ctx.workspaceId} grants you any rows, so this`,
        `mail carries no data. Ask the workspace's administrator for access if you need it.`,
        '',
        `Schedule ${ctx.scheduleId}.`,
      ].join('\n') + '\n',
  };
}
