import { Kafka, logLevel, type Consumer } from 'kafkajs';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { z } from 'zod';
import type PgBoss from 'pg-boss';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, settleBy, type StopReport } from '../../core/deadline.ts';
import type { Logger } from '../../core/logger.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';
import { Queues, startBoss } from '../../schedules/boss.ts';
import { migrateSchedules } from '../../schedules/migrations.ts';
import { ExportCompletedSchema, ExportFailedSchema } from '../../schemas/export-outcome.ts';
import { Topics } from '../../schemas/topics.ts';
import type { Outcome } from './compose-mail.ts';
import { onOutcome } from './deliveries.ts';
import { markDeliveryFailed, sendDeliveryMail, type MailDeps } from './send-mail.ts';

export interface DeliverySettings {
  databaseUrl: string;
  brokers: string[];
  /** `smtp://host:port` or `smtps://user:pass@host:port`. */
  smtpUrl: string;
  mailFrom: string;
  /** Exports up to this size are attached as well as linked. */
  attachMaxBytes: number;
  /** The delivery consumers' group on the outcome topics. */
  groupId: string;
  /** How often an idle delivery process asks pg-boss for mails to send. */
  pollSeconds?: number;
}

export interface DeliveryService {
  /** Leaves the group, lets pg-boss finish the mail being sent, closes the pool, all by `deadline` (epoch ms). */
  stop(deadline?: number): Promise<StopReport>;
}

interface MailJob {
  runId: string;
  recipient: string;
}

/** The outcome event of a record on the completed or failed topic; undefined for anything else. */
export function parseOutcome(topic: string, value: Buffer | null): Outcome | undefined {
  if (!value) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  // A tolerant reader: fields a later compatible version adds are dropped, not a reason to skip the mail.
  if (topic === Topics.completed) {
    const parsed = z.object(ExportCompletedSchema.shape).safeParse(json);
    return parsed.success ? { kind: 'completed', event: parsed.data } : undefined;
  }
  const parsed = z.object(ExportFailedSchema.shape).safeParse(json);
  return parsed.success ? { kind: 'failed', event: parsed.data } : undefined;
}

/**
 * The delivery role: a consumer of `sluice.export.completed` and `sluice.export.failed` that mails each
 * scheduled export's recipients (outcomes of exports no schedule made are skipped), and the pg-boss worker
 * that sends those mails with retries and exponential backoff.
 */
export async function startDeliveryService(
  settings: DeliverySettings,
  log: Logger,
): Promise<DeliveryService> {
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 6 });
  const transport = nodemailer.createTransport(settings.smtpUrl);
  const kafka = new Kafka({
    clientId: 'sluice-delivery',
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) =>
      log.warn(`kafka.${entry.namespace ?? 'client'}`, { message: entry.log.message }),
  });
  let boss: PgBoss | undefined;
  let consumer: Consumer | undefined;
  // Each step raced against the deadline: a consumer disconnect during a reconnect, or pg-boss waiting on a
  // database that stopped answering, must not keep the process from exiting.
  const cleanup = async (deadline: number): Promise<StopReport> => {
    const report: StopReport = { unfinished: [] };
    if (consumer) await settleBy('kafka.consumer', () => consumer!.disconnect(), deadline, log, report);
    if (boss) {
      const timeout = Math.max(0, deadline - Date.now());
      await settleBy(
        'pgboss',
        () => boss!.stop({ graceful: true, close: false, wait: true, timeout }),
        deadline,
        log,
        report,
      );
    }
    transport.close();
    await settleBy('job_store', () => pool.end(), deadline, log, report);
    return report;
  };
  try {
    await migrateJobStore(pool);
    await migrateSchedules(pool);
    boss = await startBoss(pool, { supervise: true });
    boss.on('error', (err) => log.error('delivery.pgboss_error', { err }));
    const started = boss;
    const mail: MailDeps = {
      pool,
      transport,
      from: settings.mailFrom,
      attachMaxBytes: settings.attachMaxBytes,
      log,
    };
    await started.work<MailJob>(
      Queues.mail,
      { batchSize: 1, pollingIntervalSeconds: settings.pollSeconds ?? 2, includeMetadata: true },
      async ([job]) => {
        const { runId, recipient } = job!.data;
        try {
          await sendDeliveryMail(mail, runId, recipient);
        } catch (err) {
          const last = job!.retryCount >= job!.retryLimit;
          log.warn('delivery.attempt_failed', { runId, recipient, attempt: job!.retryCount + 1, last, err });
          if (last) await markDeliveryFailed(pool, runId, recipient, (err as Error).message);
          throw err; // pg-boss retries with backoff, until its retry limit
        }
      },
    );

    consumer = kafka.consumer({ groupId: settings.groupId });
    await consumer.connect();
    // A new group reads the topics from the beginning: an outcome published before the first delivery
    // process ran is still mailed (records of exports no schedule made cost one indexed lookup each).
    await consumer.subscribe({ topics: [Topics.completed, Topics.failed], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const outcome = parseOutcome(topic, message.value);
        if (!outcome) return;
        const n = await onOutcome(pool, started, outcome);
        if (n > 0)
          log.info('delivery.outcome', { jobId: outcome.event.jobId, kind: outcome.kind, recipients: n });
      },
    });
    log.info('delivery.started', { groupId: settings.groupId });
    return {
      async stop(deadline = Date.now() + DEFAULT_SHUTDOWN_TIMEOUT_MS) {
        const report = await cleanup(deadline);
        log.info('delivery.stopped', { unfinished: report.unfinished });
        return report;
      },
    };
  } catch (err) {
    await cleanup(Date.now() + DEFAULT_SHUTDOWN_TIMEOUT_MS);
    throw err;
  }
}
