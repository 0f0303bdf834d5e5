import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from '../../jobs/job.ts';
import type { SchedulingPolicy } from '../../jobs/job-store.ts';
import { sweepOrphanUploads } from '../../sinks/s3/orphan-uploads.ts';
import { emitOrHandBack } from './outcomes.ts';
import { runClaimedJob, type RunnerDeps } from './run-claimed-job.ts';

export interface SchedulerConfig extends SchedulingPolicy {
  /** Jobs this process runs at once. */
  concurrency: number;
  /** How often an idle scheduler looks for work nobody woke it for (another worker's admissions, retries). */
  pollMs: number;
  /** How long a finished job's outcome event may stay unsent before any worker sends it. */
  outcomeGraceMs: number;
  /**
   * Multipart uploads under `exports/` older than this that no queued or running job owns are aborted (a
   * worker killed mid-upload, an abort that never reached the store). Longer than any single upload may take
   * when several deployments share the prefix, since another deployment's jobs are not in this job store.
   * Default 1 h; 0 turns the sweep off.
   */
  orphanUploadAgeMs?: number;
}

export const DEFAULT_ORPHAN_UPLOAD_AGE_MS = 3_600_000;
/** Where job objects live (object-key.ts); the sweep looks nowhere else in the bucket. */
const EXPORTS_PREFIX = 'exports/';

/**
 * Takes jobs from the job store's queue, up to `concurrency` at a time, in the store's fair order, and runs
 * each to the end. It is woken when this process admits a request, and polls for everything else, so a
 * lost wake-up only costs one poll interval.
 */
export class JobScheduler {
  readonly #running = new Set<Promise<void>>();
  #wakeUp: (() => void) | undefined;
  #woken = false;
  #loop: Promise<void> | undefined;
  #lastSweep = 0;
  #lastOrphanSweep = 0;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly config: SchedulerConfig,
    private readonly shutdown: AbortSignal,
  ) {}

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Something may be runnable now. */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /** Resolves once the loop has stopped (after shutdown) and every started job has settled. */
  async drain(): Promise<void> {
    this.wake();
    await this.#loop;
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #run(): Promise<void> {
    const { deps, config, shutdown } = this;
    while (!shutdown.aborted) {
      let tookOne = false;
      try {
        if (this.#running.size < config.concurrency) {
          const next = await deps.store.next(deps.workerId, deps.leaseMs, config);
          if (next?.kind === 'claimed') {
            this.#launch(next.job);
            tookOne = true;
          } else if (next?.kind === 'abandoned') {
            deps.log.warn('job.abandoned', {
              jobId: next.job.jobId,
              workspaceId: next.job.workspaceId,
              attempts: next.job.attempts,
            });
            await emitOrHandBack(deps, next.job);
            tookOne = true;
          }
        }
        if (!tookOne) await this.#sweepOutcomes();
        if (!tookOne) await this.#sweepOrphanUploads();
      } catch (err) {
        deps.log.error('scheduler.failed', { err });
        await sleep(config.pollMs * 4, undefined, { signal: shutdown }).catch(() => {});
      }
      if (!tookOne) await this.#idle();
    }
  }

  #launch(job: Job): void {
    const task = runClaimedJob(this.deps, job, this.shutdown).catch((err: unknown) =>
      // The store was unreachable at the end: the lapsed lease hands the job to whoever is next.
      this.deps.log.error('job.run_failed', { jobId: job.jobId, workspaceId: job.workspaceId, err }),
    );
    this.#running.add(task);
    void task.finally(() => {
      this.#running.delete(task);
      this.wake(); // a slot is free
    });
  }

  /** Outcome events a worker failed to send (broker down, or it died first) are sent by any worker later. */
  async #sweepOutcomes(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep < this.config.outcomeGraceMs / 2) return;
    this.#lastSweep = now;
    const jobs = await this.deps.store.claimUnemitted(this.deps.workerId, this.config.outcomeGraceMs, 50);
    for (const [i, job] of jobs.entries()) {
      try {
        await emitOrHandBack(this.deps, job);
      } catch (err) {
        // The broker is still away: hand the rest back too, so the next sweep (of any worker) retries them
        // rather than waiting out the leases just taken.
        for (const rest of jobs.slice(i + 1))
          await this.deps.store.releaseEmission(rest.jobId, this.deps.workerId);
        throw err;
      }
      this.deps.log.info('job.outcome_resent', {
        jobId: job.jobId,
        workspaceId: job.workspaceId,
        status: job.status,
      });
    }
  }

  /** At most every quarter of the age (and at least a minute apart): a list call and a query each time. */
  async #sweepOrphanUploads(): Promise<void> {
    const age = this.config.orphanUploadAgeMs ?? DEFAULT_ORPHAN_UPLOAD_AGE_MS;
    if (age <= 0) return;
    const now = Date.now();
    if (now - this.#lastOrphanSweep < Math.max(60_000, age / 4)) return;
    this.#lastOrphanSweep = now;
    const live = await this.deps.store.liveUploadIds();
    const aborted = await sweepOrphanUploads({
      client: this.deps.runtime.s3.client,
      bucket: this.deps.runtime.s3.bucket,
      prefix: EXPORTS_PREFIX,
      olderThanMs: age,
      isLive: (uploadId) => live.has(uploadId),
    });
    for (const upload of aborted) this.deps.log.info('upload.orphan_aborted', { ...upload });
  }

  async #idle(): Promise<void> {
    if (!this.#woken) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.shutdown.removeEventListener('abort', done);
          this.#wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.config.pollMs);
        this.shutdown.addEventListener('abort', done, { once: true });
        this.#wakeUp = done;
      });
    }
    this.#woken = false;
  }
}
