import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import type { Logger } from '../../core/logger.ts';
import { migrateJobStore } from '../../jobs/migrations.ts';
import { armTick, type TickData } from '../../schedules/arm-tick.ts';
import { Queues, startBoss } from '../../schedules/boss.ts';
import { fireTick } from './fire-tick.ts';
import { migrateSchedules } from '../../schedules/migrations.ts';
import { listActiveSchedules } from '../../schedules/schedule-store.ts';
import { migrateRowPolicies } from '../../security/migrations.ts';
import { createPgPolicyStore } from '../../security/pg-policy-store.ts';
import { migrateOutbox } from '../outbox/migrations.ts';
import { createOutboxProducer } from '../outbox/outbox-producer.ts';
import { startOutboxRelay } from '../outbox/relay.ts';

export interface SchedulerSettings {
  databaseUrl: string;
  brokers: string[];
  /** The presigned link's lifetime in scheduled mails; at most 604800 (7 days, SigV4's limit). */
  linkTtlSeconds: number;
  /** How often an idle scheduler asks pg-boss for due ticks. */
  pollSeconds?: number;
  /** Where the relay publishes requests; the contract's topic by default. */
  requestTopic?: string;
}

export interface SchedulerService {
  schedulerId: string;
  stop(): Promise<void>;
}

/**
 * The scheduler role: takes due ticks from pg-boss (any number of these processes may run; pg-boss hands
 * each job to one of them with SKIP LOCKED, and the tick's own check makes a second firing a no-op), fires
 * them as ordinary export requests through the outbox, and runs an outbox relay to publish them.
 */
export async function startSchedulerService(
  settings: SchedulerSettings,
  log: Logger,
): Promise<SchedulerService> {
  const schedulerId = `scheduler-${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 6 });
  const kafka = new Kafka({
    clientId: 'sluice-scheduler',
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) =>
      log.warn(`kafka.${entry.namespace ?? 'client'}`, { message: entry.log.message }),
  });
  const producer = createOutboxProducer(kafka);
  let boss: PgBoss | undefined;
  const cleanup = async () => {
    await boss?.stop({ graceful: true, close: false, wait: true }).catch(() => {});
    await producer.disconnect().catch(() => {});
    await pool.end();
  };
  try {
    await migrateJobStore(pool);
    await migrateOutbox(pool);
    await migrateRowPolicies(pool);
    await migrateSchedules(pool);
    boss = await startBoss(pool, { supervise: true });
    boss.on('error', (err) => log.error('scheduler.pgboss_error', { err }));
    const relay = await startOutboxRelay({ pool, producer, log });
    const started = boss;

    // A tick job lost outside sluice's control (pg-boss retention ran out during a long outage) is armed
    // again; one that exists already is left alone (same id).
    for (const schedule of await listActiveSchedules(pool)) await armTick(started, pool, schedule);

    const deps = {
      pool,
      boss: started,
      policies: createPgPolicyStore(pool),
      linkTtlSeconds: settings.linkTtlSeconds,
      firedBy: schedulerId,
      ...(settings.requestTopic ? { requestTopic: settings.requestTopic } : {}),
    };
    await started.work<TickData>(
      Queues.tick,
      { batchSize: 1, pollingIntervalSeconds: settings.pollSeconds ?? 2 },
      async ([job]) => {
        const outcome = await fireTick(deps, job!.data);
        if (outcome.kind === 'fired') {
          relay.wake();
          log.info('schedule.fired', {
            scheduleId: job!.data.scheduleId,
            scheduledFor: job!.data.tick,
            runId: outcome.runId,
            jobIds: outcome.jobIds,
            notices: outcome.notices.length,
            nextRunAt: outcome.nextRunAt,
          });
        } else {
          log.debug('schedule.tick_stale', { scheduleId: job!.data.scheduleId, tick: job!.data.tick });
        }
      },
    );
    log.info('scheduler.started', { schedulerId });
    return {
      schedulerId,
      async stop() {
        await started.stop({ graceful: true, close: false, wait: true });
        await relay.stop();
        await producer.disconnect().catch(() => {});
        await pool.end();
        log.info('scheduler.stopped', { schedulerId });
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
