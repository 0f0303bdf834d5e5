import type pg from 'pg';
import { withTransaction } from '../core/pg-transaction.ts';
import type { Job, JobError, JobResult, JobStatus } from './job.ts';

export interface NewJob {
  jobId: string;
  workspaceId: string;
  requestId: string;
  requestHash: string;
  request: unknown;
  format: string;
}

export type ClaimResult =
  /** This worker now runs the job, holding its lease. */
  | { kind: 'claimed'; job: Job }
  /** Already succeeded, failed or cancelled: answer from the store, do not run again. */
  | { kind: 'finished'; job: Job }
  /** Another worker holds a live lease; try again after it may have expired. */
  | { kind: 'busy'; retryInMs: number }
  /** Same (workspace, requestId) but a different body: not the same job. */
  | { kind: 'conflict'; job: Job };

export type LeaseState = 'held' | 'lost' | 'cancelled';

/**
 * One row per job in PostgreSQL. Workers hold a time-limited lease on the jobs they run, renewed while
 * they work, so a job whose worker died is taken over once its lease lapses — and a live one never twice.
 */
export class JobStore {
  constructor(private readonly pool: pg.Pool) {}

  async claim(job: NewJob, owner: string, leaseMs: number): Promise<ClaimResult> {
    return withTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued')
         ON CONFLICT DO NOTHING`,
        [job.jobId, job.workspaceId, job.requestId, job.requestHash, JSON.stringify(job.request), job.format],
      );
      const { rows } = await client.query(
        `SELECT *, now() AS db_now FROM sluice_jobs WHERE job_id = $1 FOR UPDATE`,
        [job.jobId],
      );
      const row = rows[0];
      const current = toJob(row);
      let result: ClaimResult;
      if (current.requestHash !== job.requestHash) {
        result = { kind: 'conflict', job: current };
      } else if (
        current.status === 'succeeded' ||
        current.status === 'failed' ||
        current.status === 'cancelled'
      ) {
        result = { kind: 'finished', job: current };
      } else if (
        current.status === 'running' &&
        row.lease_owner !== owner &&
        row.lease_expires_at !== null &&
        row.lease_expires_at > row.db_now
      ) {
        const retryInMs = Math.max(250, row.lease_expires_at.getTime() - row.db_now.getTime());
        result = { kind: 'busy', retryInMs };
      } else {
        const { rows: claimed } = await client.query(
          `UPDATE sluice_jobs
              SET status = 'running', attempts = attempts + 1, lease_owner = $2,
                  lease_expires_at = now() + make_interval(secs => $3::double precision / 1000),
                  started_at = coalesce(started_at, now()), rows = 0, bytes = 0, updated_at = now()
            WHERE job_id = $1
            RETURNING *`,
          [job.jobId, owner, leaseMs],
        );
        result = { kind: 'claimed', job: toJob(claimed[0]) };
      }
      return result;
    });
  }

  /** Extends the lease and records progress; tells the worker whether to go on. */
  async renew(jobId: string, owner: string, leaseMs: number, progress: { rows: number; bytes: number }) {
    const { rows } = await this.pool.query(
      `UPDATE sluice_jobs
          SET lease_expires_at = CASE WHEN status = 'running' THEN now() + make_interval(secs => $3::double precision / 1000) ELSE lease_expires_at END,
              rows = $4, bytes = $5, updated_at = now()
        WHERE job_id = $1 AND lease_owner = $2
        RETURNING status`,
      [jobId, owner, leaseMs, progress.rows, progress.bytes],
    );
    const status = rows[0]?.status as JobStatus | undefined;
    const state: LeaseState = status === 'running' ? 'held' : status === 'cancelled' ? 'cancelled' : 'lost';
    return state;
  }

  /** Records success unless the job was cancelled (or taken over) meanwhile; returns whether it did. */
  async succeed(jobId: string, owner: string, result: JobResult): Promise<Job | undefined> {
    const { rows } = await this.pool.query(
      `UPDATE sluice_jobs
          SET status = 'succeeded', result = $3, rows = $4, bytes = $5, error = NULL,
              lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()
        WHERE job_id = $1 AND lease_owner = $2 AND status = 'running'
        RETURNING *`,
      [jobId, owner, JSON.stringify(result), result.rows, result.bytes],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  /** Records failure. Without an owner (a request rejected before it ran) any non-terminal job fails. */
  async fail(jobId: string, owner: string | undefined, error: JobError): Promise<Job | undefined> {
    const { rows } = await this.pool.query(
      `UPDATE sluice_jobs
          SET status = 'failed', error = $3, lease_owner = NULL, lease_expires_at = NULL,
              finished_at = now(), updated_at = now()
        WHERE job_id = $1 AND status IN ('queued', 'running') AND ($2::text IS NULL OR lease_owner = $2)
        RETURNING *`,
      [jobId, owner ?? null, JSON.stringify(error)],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  async markEmitted(jobId: string): Promise<void> {
    await this.pool.query(
      `UPDATE sluice_jobs SET event_emitted_at = now(), updated_at = now() WHERE job_id = $1`,
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
    const { rows } = await this.pool.query(
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

  /** This workspace's jobs, newest first; `before` (a job id) pages on from that job. */
  async listForWorkspace(
    workspaceId: string,
    { status, limit, before }: { status?: JobStatus; limit: number; before?: string },
  ): Promise<Job[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM sluice_jobs j
        WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2)
          AND ($4::text IS NULL OR (created_at, job_id) < (
                SELECT created_at, job_id FROM sluice_jobs WHERE job_id = $4 AND workspace_id = $1))
        ORDER BY created_at DESC, job_id DESC
        LIMIT $3`,
      [workspaceId, status ?? null, limit, before ?? null],
    );
    return rows.map(toJob);
  }

  /** How many of this workspace's jobs are in each status. */
  async queueDepth(workspaceId: string): Promise<Record<JobStatus, number>> {
    const { rows } = await this.pool.query(
      `SELECT status, count(*)::int AS n FROM sluice_jobs WHERE workspace_id = $1 GROUP BY status`,
      [workspaceId],
    );
    const depth: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const row of rows) depth[row.status as JobStatus] = row.n;
    return depth;
  }

  async get(jobId: string): Promise<Job | undefined> {
    const { rows } = await this.pool.query(`SELECT * FROM sluice_jobs WHERE job_id = $1`, [jobId]);
    return rows[0] ? toJob(rows[0]) : undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toJob(row: any): Job {
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
    result: row.result,
    error: row.error,
    eventEmittedAt: row.event_emitted_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
