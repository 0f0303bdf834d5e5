import type pg from 'pg';
import { withTransaction } from '../core/pg-transaction.ts';
import {
  TERMINAL_STATUSES,
  type Job,
  type JobError,
  type JobResult,
  type JobStatus,
  type OpenUpload,
} from './job.ts';

export interface NewJob {
  jobId: string;
  workspaceId: string;
  requestId: string;
  requestHash: string;
  request: unknown;
  format: string;
  /** The W3C traceparent the request record carried. */
  traceparent?: string;
}

export type AdmitResult =
  /** Queued (or already running): the scheduler will run it. */
  | { kind: 'admitted'; job: Job }
  /** Already succeeded, failed or cancelled: answer from the store, do not run again. */
  | { kind: 'finished'; job: Job }
  /** Same (workspace, requestId) but a different body: not the same job. */
  | { kind: 'conflict'; job: Job };

export type NextJob =
  /** This worker now runs the job, holding its lease. */
  | { kind: 'claimed'; job: Job }
  /** A job whose lease lapsed once too often (its workers keep dying): failed instead of run again. */
  | { kind: 'abandoned'; job: Job };

export interface SchedulingPolicy {
  /** The consumer group this worker belongs to: it runs only jobs that group admitted. */
  group: string;
  /** Jobs of one workspace running at once, across every worker. */
  workspaceMaxRunning: number;
  /** Runs of a job before a lapsed lease fails it rather than starting it once more. */
  maxAttempts: number;
}

export type LeaseState = 'held' | 'lost' | 'cancelled';

/** A sluice_jobs row as node-postgres returns it (jobs/migrations.ts): bigint as text, jsonb parsed. */
interface JobRow {
  job_id: string;
  workspace_id: string;
  request_id: string;
  request_hash: string;
  request: unknown;
  format: string;
  /** The table's CHECK constraint holds it to these. */
  status: JobStatus;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  rows: string;
  bytes: string;
  expected_rows: string | null;
  /** Written by this store only, from a JobResult / JobError. */
  result: JobResult | null;
  error: JobError | null;
  event_emitted_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
  admitted_at: Date | null;
  not_before: Date | null;
  worker_group: string | null;
  traceparent: string | null;
  object_owner: string;
  open_uploads: Record<string, { key: string }> | null;
}

/** Workers take scheduling decisions one at a time, so per-workspace caps hold across processes. */
const SCHEDULE_LOCK = 0x51_1c_e0_01;
/**
 * A job that just finished stays leased to the worker that finished it while that worker sends its outcome
 * event, so the outcome sweep of another worker cannot send a second one meanwhile.
 */
const EMISSION_LEASE_SECONDS = 60;

/**
 * One row per job in PostgreSQL, and the queue workers take jobs from. Kafka is the intake log: a request
 * event becomes a queued row (admitted), and workers pick queued rows fairly across workspaces — the
 * workspace with the fewest running jobs first, then the one whose turn is oldest — under a per-workspace
 * cap, so one workspace's flood never starves another however the requests were partitioned. A running job
 * holds a time-limited lease, renewed while it works, so a job whose worker died is taken over once its lease
 * lapses — and a live one never runs twice.
 */
export class JobStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records a request that came through Kafka; the job row may already exist (written by the job API). The
   * first group to admit it runs it.
   */
  async admit(job: NewJob, group: string): Promise<AdmitResult> {
    return withTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued')
         ON CONFLICT DO NOTHING`,
        [job.jobId, job.workspaceId, job.requestId, job.requestHash, JSON.stringify(job.request), job.format],
      );
      const { rows } = await client.query<JobRow>(
        `UPDATE sluice_jobs
            SET admitted_at = coalesce(admitted_at, now()), worker_group = coalesce(worker_group, $3),
                traceparent = coalesce(traceparent, $4)
          WHERE job_id = $1 AND request_hash = $2
          RETURNING *`,
        [job.jobId, job.requestHash, group, job.traceparent ?? null],
      );
      if (!rows[0]) {
        const { rows: other } = await client.query<JobRow>(`SELECT * FROM sluice_jobs WHERE job_id = $1`, [
          job.jobId,
        ]);
        return { kind: 'conflict', job: toJob(other[0]!) };
      }
      const current = toJob(rows[0]);
      if (TERMINAL_STATUSES.includes(current.status)) return { kind: 'finished', job: current };
      // No NOTIFY to other workers: it would serialise every admission's commit behind one lock. The
      // admitting worker wakes its own scheduler; the others see the job at their next poll.
      return { kind: 'admitted', job: current };
    });
  }

  /**
   * Takes the next job this worker should run, or nothing. Among admitted jobs that are queued (and due) or
   * running under a lapsed lease, each workspace offers its oldest; workspaces at their running cap offer
   * nothing; the least loaded workspace wins, ties going to the one that waited longest for a turn.
   */
  async next(owner: string, leaseMs: number, policy: SchedulingPolicy): Promise<NextJob | undefined> {
    return withTransaction(this.pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock($1)`, [SCHEDULE_LOCK]);
      const { rows: picked } = await client.query<{ job_id: string }>(
        `WITH running AS (
           SELECT workspace_id, count(*)::int AS n FROM sluice_jobs
            WHERE status = 'running' AND lease_expires_at > now() AND worker_group = $2
            GROUP BY workspace_id
         ), heads AS (
           SELECT DISTINCT ON (workspace_id) job_id, workspace_id, created_at
             FROM sluice_jobs
            WHERE status IN ('queued', 'running') AND worker_group = $2 AND admitted_at IS NOT NULL
              AND (status = 'queued' AND (not_before IS NULL OR not_before <= now())
                   OR status = 'running' AND lease_expires_at <= now())
            ORDER BY workspace_id, created_at, job_id
         )
         SELECT h.job_id
           FROM heads h
           LEFT JOIN running r USING (workspace_id)
           LEFT JOIN sluice_workspace_turns t USING (workspace_id)
          WHERE coalesce(r.n, 0) < $1
          ORDER BY coalesce(r.n, 0), t.last_started_at NULLS FIRST, h.created_at, h.job_id
          LIMIT 1`,
        [policy.workspaceMaxRunning, policy.group],
      );
      if (!picked[0]) return undefined;
      const jobId = picked[0].job_id;
      const { rows: current } = await client.query<Pick<JobRow, 'status' | 'attempts'>>(
        `SELECT status, attempts FROM sluice_jobs WHERE job_id = $1 FOR UPDATE`,
        [jobId],
      );
      const { status, attempts } = current[0]!;
      if (status === 'running' && attempts >= policy.maxAttempts) {
        const error: JobError = {
          code: 'JOB_ABANDONED',
          message: `the job's worker stopped answering ${attempts} times; not starting it again`,
          retriable: false,
        };
        const { rows } = await client.query<JobRow>(
          `UPDATE sluice_jobs
              SET status = 'failed', error = $2, lease_owner = $3,
                  lease_expires_at = now() + interval '${EMISSION_LEASE_SECONDS} seconds',
                  finished_at = now(), updated_at = now()
            WHERE job_id = $1 RETURNING *`,
          [jobId, JSON.stringify(error), owner],
        );
        return { kind: 'abandoned', job: toJob(rows[0]!) };
      }
      const { rows } = await client.query<JobRow>(
        `UPDATE sluice_jobs
            SET status = 'running', attempts = attempts + 1, lease_owner = $2,
                lease_expires_at = now() + make_interval(secs => $3::double precision / 1000),
                not_before = NULL, started_at = coalesce(started_at, now()), rows = 0, bytes = 0,
                expected_rows = NULL, updated_at = now()
          WHERE job_id = $1
          RETURNING *`,
        [jobId, owner, leaseMs],
      );
      const job = toJob(rows[0]!);
      await client.query(
        `INSERT INTO sluice_workspace_turns (workspace_id, last_started_at) VALUES ($1, clock_timestamp())
         ON CONFLICT (workspace_id) DO UPDATE SET last_started_at = excluded.last_started_at`,
        [job.workspaceId],
      );
      return { kind: 'claimed', job };
    });
  }

  /** A retriable failure: back in the queue after `delayMs`, its attempt counted. */
  async requeue(jobId: string, owner: string, delayMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE sluice_jobs
          SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL,
              not_before = now() + make_interval(secs => $3::double precision / 1000), updated_at = now()
        WHERE job_id = $1 AND lease_owner = $2 AND status = 'running'`,
      [jobId, owner, delayMs],
    );
    return rowCount === 1;
  }

  /** The worker is stopping: the job goes back to the queue at once, and this run does not count. */
  async release(jobId: string, owner: string): Promise<void> {
    await this.pool.query(
      `UPDATE sluice_jobs
          SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL,
              attempts = greatest(attempts - 1, 0), updated_at = now()
        WHERE job_id = $1 AND lease_owner = $2 AND status = 'running'`,
      [jobId, owner],
    );
  }

  /**
   * Finished jobs whose outcome event was never sent (the broker was down, or the worker died between the
   * two), older than `graceMs` so the worker that finished them has had its chance. Each is leased to
   * `owner` for a while, so two sweeping workers do not both send it.
   */
  async claimUnemitted(owner: string, graceMs: number, limit: number): Promise<Job[]> {
    const { rows } = await this.pool.query<JobRow>(
      `UPDATE sluice_jobs
          SET lease_owner = $1, lease_expires_at = now() + interval '${EMISSION_LEASE_SECONDS} seconds'
        WHERE job_id IN (
          SELECT job_id FROM sluice_jobs
           WHERE status IN ('succeeded', 'failed') AND event_emitted_at IS NULL
             AND finished_at < now() - make_interval(secs => $2::double precision / 1000)
             AND (lease_expires_at IS NULL OR lease_expires_at < now())
           ORDER BY finished_at
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [owner, graceMs, limit],
    );
    return rows.map(toJob);
  }

  /** Extends the lease and records progress; tells the worker whether to go on. */
  async renew(
    jobId: string,
    owner: string,
    leaseMs: number,
    progress: { rows: number; bytes: number; expectedRows?: number },
  ): Promise<LeaseState> {
    const { rows } = await this.pool.query<Pick<JobRow, 'status'>>(
      `UPDATE sluice_jobs
          SET lease_expires_at = CASE WHEN status = 'running' THEN now() + make_interval(secs => $3::double precision / 1000) ELSE lease_expires_at END,
              rows = $4, bytes = $5, expected_rows = coalesce($6, expected_rows), updated_at = now()
        WHERE job_id = $1 AND lease_owner = $2
        RETURNING status`,
      [jobId, owner, leaseMs, progress.rows, progress.bytes, progress.expectedRows ?? null],
    );
    const status = rows[0]?.status;
    return status === 'running' ? 'held' : status === 'cancelled' ? 'cancelled' : 'lost';
  }

  /**
   * Records success unless the job was cancelled (or taken over) meanwhile; returns whether it did. The job
   * stays leased to `owner` until its outcome is marked sent.
   */
  async succeed(jobId: string, owner: string, result: JobResult): Promise<Job | undefined> {
    const { rows } = await this.pool.query<JobRow>(
      `UPDATE sluice_jobs
          SET status = 'succeeded', result = $3, rows = $4, bytes = $5, error = NULL,
              lease_expires_at = now() + interval '${EMISSION_LEASE_SECONDS} seconds',
              finished_at = now(), updated_at = now()
        WHERE job_id = $1 AND lease_owner = $2 AND status = 'running'
        RETURNING *`,
      [jobId, owner, JSON.stringify(result), result.rows, result.bytes],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /**
   * Records failure. Without an owner (a request rejected before it ran) any non-terminal job fails. The job
   * is leased to `emitter` until its outcome is marked sent.
   */
  async fail(
    jobId: string,
    owner: string | undefined,
    error: JobError,
    emitter: string = owner ?? 'unowned',
  ): Promise<Job | undefined> {
    const { rows } = await this.pool.query<JobRow>(
      `UPDATE sluice_jobs
          SET status = 'failed', error = $3, lease_owner = $4,
              lease_expires_at = now() + interval '${EMISSION_LEASE_SECONDS} seconds',
              finished_at = now(), updated_at = now()
        WHERE job_id = $1 AND status IN ('queued', 'running') AND ($2::text IS NULL OR lease_owner = $2)
        RETURNING *`,
      [jobId, owner ?? null, JSON.stringify(error), emitter],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /**
   * Gives up `owner`'s lease on sending a finished job's outcome (its send failed), so the next outcome
   * sweep may send it without waiting for the lease to lapse.
   */
  async releaseEmission(jobId: string, owner: string): Promise<void> {
    await this.pool.query(
      `UPDATE sluice_jobs
          SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE job_id = $1 AND lease_owner = $2 AND event_emitted_at IS NULL
          AND status IN ('succeeded', 'failed')`,
      [jobId, owner],
    );
  }

  async markEmitted(jobId: string): Promise<void> {
    await this.pool.query(
      `UPDATE sluice_jobs
          SET event_emitted_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE job_id = $1`,
      [jobId],
    );
  }

  /**
   * Cancels a queued or running job of this workspace. 'cancelled': done (the worker sees it at its next
   * lease renewal and aborts); 'finished': already terminal; 'not_found': no such job in this workspace.
   */
  async cancel(
    jobId: string,
    workspaceId: string,
  ): Promise<{ kind: 'cancelled'; job: Job } | { kind: 'finished'; job: Job } | { kind: 'not_found' }> {
    const { rows } = await this.pool.query<JobRow>(
      `UPDATE sluice_jobs SET status = 'cancelled', finished_at = now(), updated_at = now()
        WHERE job_id = $1 AND workspace_id = $2 AND status IN ('queued', 'running')
        RETURNING *`,
      [jobId, workspaceId],
    );
    if (rows[0]) return { kind: 'cancelled', job: toJob(rows[0]) };
    const current = await this.get(jobId);
    if (!current || current.workspaceId !== workspaceId) return { kind: 'not_found' };
    return { kind: 'finished', job: current };
  }

  /**
   * This workspace's jobs, newest first; `before` (a job id) pages on from that job. With `person`, only the
   * jobs that person requested or receives (the recipient defaults to the requester).
   */
  async listForWorkspace(
    workspaceId: string,
    {
      status,
      limit,
      before,
      person,
    }: { status?: JobStatus; limit: number; before?: string; person?: string },
  ): Promise<Job[]> {
    const { rows } = await this.pool.query<JobRow>(
      `SELECT * FROM sluice_jobs j
        WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2)
          AND ($5::text IS NULL OR request->>'requestedBy' = $5
               OR coalesce(request->>'recipient', request->>'requestedBy') = $5)
          AND ($4::text IS NULL OR (created_at, job_id) < (
                SELECT created_at, job_id FROM sluice_jobs WHERE job_id = $4 AND workspace_id = $1))
        ORDER BY created_at DESC, job_id DESC
        LIMIT $3`,
      [workspaceId, status ?? null, limit, before ?? null, person ?? null],
    );
    return rows.map(toJob);
  }

  /** How many of this workspace's jobs are in each status. */
  async queueDepth(workspaceId: string): Promise<Record<JobStatus, number>> {
    const { rows } = await this.pool.query<{ status: JobStatus; n: number }>(
      `SELECT status, count(*)::int AS n FROM sluice_jobs WHERE workspace_id = $1 GROUP BY status`,
      [workspaceId],
    );
    const depth: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const row of rows) depth[row.status] = row.n;
    return depth;
  }

  /**
   * A multipart upload of this job was opened. Recorded whoever holds the lease now: an upload opened by an
   * attempt that lost it must still be found and aborted.
   */
  async uploadOpened(jobId: string, upload: OpenUpload): Promise<void> {
    await this.pool.query(
      `UPDATE sluice_jobs
          SET open_uploads = open_uploads || jsonb_build_object($2::text, jsonb_build_object('key', $3::text))
        WHERE job_id = $1`,
      [jobId, upload.uploadId, upload.key],
    );
  }

  /** The upload was completed or aborted: nothing of it is left in the bucket. */
  async uploadClosed(jobId: string, uploadId: string): Promise<void> {
    await this.pool.query(`UPDATE sluice_jobs SET open_uploads = open_uploads - $2::text WHERE job_id = $1`, [
      jobId,
      uploadId,
    ]);
  }

  /**
   * The ids of uploads that jobs still queued or running own — their next attempt or their running one
   * completes or aborts them. Everything else under the exports prefix is the orphan sweep's.
   */
  async liveUploadIds(): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ upload_id: string }>(
      `SELECT jsonb_object_keys(open_uploads) AS upload_id FROM sluice_jobs
        WHERE status IN ('queued', 'running') AND open_uploads <> '{}'::jsonb`,
    );
    return new Set(rows.map((r) => r.upload_id));
  }

  async get(jobId: string): Promise<Job | undefined> {
    const { rows } = await this.pool.query<JobRow>(`SELECT * FROM sluice_jobs WHERE job_id = $1`, [jobId]);
    return rows[0] ? toJob(rows[0]) : undefined;
  }
}

function toJob(row: JobRow): Job {
  return {
    jobId: row.job_id,
    workspaceId: row.workspace_id,
    requestId: row.request_id,
    requestHash: row.request_hash,
    request: row.request,
    format: row.format,
    status: row.status,
    attempts: row.attempts,
    rows: Number(row.rows),
    bytes: Number(row.bytes),
    expectedRows:
      row.expected_rows === null || row.expected_rows === undefined ? null : Number(row.expected_rows),
    result: row.result,
    error: row.error,
    eventEmittedAt: row.event_emitted_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    traceparent: row.traceparent ?? null,
    objectOwner: row.object_owner,
    openUploads: Object.entries(row.open_uploads ?? {}).map(([uploadId, { key }]) => ({ key, uploadId })),
  };
}
