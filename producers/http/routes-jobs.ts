import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SluiceError } from '../../core/errors.ts';
import type { Job } from '../../jobs/job.ts';
import { DEFAULT_URL_TTL_SECONDS } from '../../schemas/export-requested.ts';
import type { ApiDeps } from './api-deps.ts';
import { authenticate } from './auth.ts';
import { canAccessJob, listingOwner } from './job-access.ts';
import type { TokenIdentity } from '../../auth/tokens.ts';
import { fieldErrorsFromZod, invalid } from './problem.ts';

const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export const ListJobsQuerySchema = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.string().min(1).max(64).optional(),
});

/** A job as the API shows it: no request body, no storage location, no lease. */
export interface JobView {
  id: string;
  status: Job['status'];
  format: string;
  /** `expected_rows`: the source's estimate while it is known (a whole-table export), else null. */
  progress: { rows: number; bytes: number; expected_rows: number | null };
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error?: { code: string; message: string; retriable: boolean };
}

export function jobView(job: Job): JobView {
  return {
    id: job.jobId,
    status: job.status,
    format: job.format,
    progress: { rows: job.rows, bytes: job.bytes, expected_rows: job.expectedRows ?? null },
    created_at: job.createdAt.toISOString(),
    started_at: job.startedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null,
    ...(job.error
      ? { error: { code: job.error.code, message: job.error.message, retriable: job.error.retriable } }
      : {}),
  };
}

const notFound = (id: string) => new SluiceError('JOB_NOT_FOUND', `no job ${JSON.stringify(id)}`);

export function registerJobRoutes(app: FastifyInstance, deps: ApiDeps): void {
  /** The job, if this caller may see it (job-access.ts); anyone else's is indistinguishable from none. */
  const ownJob = async (id: string, identity: TokenIdentity): Promise<Job> => {
    const job = await deps.jobs.get(id);
    if (!job || !canAccessJob(identity, job)) throw notFound(id);
    return job;
  };

  app.get('/v1/jobs', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    const parsed = ListJobsQuerySchema.safeParse(req.query ?? {});
    if (!parsed.success) throw invalid(fieldErrorsFromZod(parsed.error));
    const { status, limit, before } = parsed.data;
    const person = listingOwner(identity);
    const jobs = await deps.jobs.listForWorkspace(identity.workspaceId, {
      limit,
      ...(person === undefined ? {} : { person }),
      ...(status ? { status } : {}),
      ...(before ? { before } : {}),
    });
    const last = jobs.at(-1);
    return {
      jobs: jobs.map(jobView),
      ...(jobs.length === limit && last ? { next_before: last.jobId } : {}),
    };
  });

  app.get('/v1/queue', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    const depth = await deps.jobs.queueDepth(identity.workspaceId);
    return { workspace_id: identity.workspaceId, ...depth };
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    return jobView(await ownJob(req.params.id, identity));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/result', async (req) => {
    const identity = await authenticate(deps.tokens, req);
    const job = await ownJob(req.params.id, identity);
    if (job.status !== 'succeeded' || !job.result) {
      throw new SluiceError('JOB_NOT_SUCCEEDED', `job ${job.jobId} is ${job.status}, not succeeded`, {
        details: { status: job.status },
      });
    }
    const ttl = (job.request as { urlTtlSeconds?: number } | null)?.urlTtlSeconds ?? DEFAULT_URL_TTL_SECONDS;
    const { url, expiresAt } = await deps.presign(job.result.bucket, job.result.key, ttl);
    return { url, expires_at: expiresAt.toISOString() };
  });

  app.delete<{ Params: { id: string } }>('/v1/jobs/:id', async (req, reply) => {
    const identity = await authenticate(deps.tokens, req);
    await ownJob(req.params.id, identity);
    const outcome = await deps.jobs.cancel(req.params.id, identity.workspaceId);
    if (outcome.kind === 'not_found') throw notFound(req.params.id);
    if (outcome.kind === 'finished') {
      throw new SluiceError(
        'JOB_ALREADY_FINISHED',
        `job ${outcome.job.jobId} already ${outcome.job.status}; nothing to cancel`,
        { details: { status: outcome.job.status } },
      );
    }
    return reply.code(202).send(jobView(outcome.job));
  });
}
