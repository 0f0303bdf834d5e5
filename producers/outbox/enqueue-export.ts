import type pg from 'pg';
import { withTransaction } from '../../core/pg-transaction.ts';
import { SluiceError } from '../../core/errors.ts';
import { jobIdFor, requestHash } from '../../jobs/job-id.ts';
import { ExportRequestedSchema, type ExportRequested } from '../../schemas/export-requested.ts';
import { Topics } from '../../schemas/topics.ts';

export interface EnqueueOptions {
  /** Where the relay will publish it: the contract's request topic unless a deployment routes elsewhere. */
  topic?: string;
  /** The W3C traceparent of the accepting call: sent as a Kafka header so the worker's logs join its trace. */
  traceparent?: string;
}

export interface EnqueueResult {
  jobId: string;
  /** false: this (workspaceId, requestId) was already a job with the same body; nothing new was written. */
  created: boolean;
}

/**
 * Accepts an export request durably without needing Kafka: the job row ('queued') and the outbox row that a
 * relay will publish are written in one transaction, so a broker outage delays the job but never loses it,
 * and a failed transaction leaves neither behind. No NOTIFY: PostgreSQL serialises the commits of every
 * notifying transaction behind one lock (POST /v1/exports went from ~170 to ~260 req/s without it); the caller wakes its own
 * process's relay instead, and other relays find the row at their next poll.
 */
export async function enqueueExport(
  pool: pg.Pool,
  request: ExportRequested,
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  return withTransaction(pool, (client) => enqueueExportIn(client, request, options));
}

/** The same inside the caller's transaction (a schedule's tick writes its run and its jobs in one commit). */
export async function enqueueExportIn(
  client: pg.PoolClient,
  request: ExportRequested,
  { topic = Topics.requests, traceparent }: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const checked = ExportRequestedSchema.safeParse(request);
  if (!checked.success) {
    throw new SluiceError(
      'REQUEST_INVALID',
      checked.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; '),
      { details: { fields: checked.error.issues.map((i) => i.path.join('.')) } },
    );
  }
  const body = checked.data;
  const jobId = jobIdFor(body.workspaceId, body.requestId);
  // The worker hashes the record it decodes; canonical JSON makes that equal to this hash of the same body,
  // so its claim finds this row the same request rather than a conflict.
  const hash = requestHash(body);
  const value = JSON.stringify(body);

  // Same insert as JobStore.claim, so whichever of the two comes first, the row is the same.
  const inserted = await client.query(
    `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'queued')
     ON CONFLICT DO NOTHING`,
    [jobId, body.workspaceId, body.requestId, hash, value, body.format],
  );
  if (inserted.rowCount === 0) {
    // ON CONFLICT waited for any concurrent insert of the same job to commit, so the row is visible now.
    const { rows } = await client.query(`SELECT request_hash FROM sluice_jobs WHERE job_id = $1`, [jobId]);
    if (rows[0]?.request_hash === hash) return { jobId, created: false };
    throw new SluiceError(
      'REQUEST_CONFLICT',
      `requestId ${JSON.stringify(body.requestId)} was already used in workspace ${body.workspaceId} for a different request (job ${jobId})`,
      { details: { jobId, field: 'requestId' } },
    );
  }
  await client.query(
    `INSERT INTO sluice_outbox (topic, key, value, headers, job_id) VALUES ($1, $2, $3, $4, $5)`,
    [
      topic,
      body.workspaceId,
      value,
      JSON.stringify({ 'sluice-job-id': jobId, ...(traceparent ? { traceparent } : {}) }),
      jobId,
    ],
  );
  return { jobId, created: true };
}
