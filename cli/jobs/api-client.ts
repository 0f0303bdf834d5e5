import { ErrorCodes, SluiceError, type ErrorCode } from '../../core/errors.ts';

/** A job as `GET /v1/jobs/{id}` shows it. */
export interface JobView {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  format?: string;
  /** `expected_rows`: the source's estimate for a whole-table export; absent or null when unknown. */
  progress: { rows: number; bytes: number; expected_rows?: number | null };
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error?: { code: string; message: string; retriable: boolean };
}

export interface JobApi {
  list(query: { status?: string; limit?: number }): Promise<{ jobs: JobView[]; next_before?: string }>;
  get(id: string): Promise<JobView>;
  cancel(id: string): Promise<JobView>;
  result(id: string): Promise<{ url: string; expires_at: string }>;
}

/**
 * The job API as the CLI calls it, with the caller's bearer token. A problem+json answer becomes a
 * SluiceError with the API's code, so the CLI prints `sluice: JOB_NOT_FOUND: …` as it does for local errors.
 */
export function createJobApi({ baseUrl, token }: { baseUrl: string; token: string }): JobApi {
  const call = async <T>(method: string, path: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, baseUrl), {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      });
    } catch (err) {
      throw new SluiceError('INFRA_UNAVAILABLE', `the job API at ${baseUrl} did not answer`, {
        cause: err,
        retriable: true,
      });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const code = typeof body.code === 'string' && body.code in ErrorCodes ? body.code : 'INTERNAL_ERROR';
      throw new SluiceError(code as ErrorCode, String(body.detail ?? body.title ?? res.statusText), {
        details: { status: res.status },
      });
    }
    return body as T;
  };
  const id = (jobId: string) => encodeURIComponent(jobId);
  return {
    list: ({ status, limit }) => {
      const q = new URLSearchParams();
      if (status) q.set('status', status);
      if (limit) q.set('limit', String(limit));
      return call('GET', `/v1/jobs${q.size > 0 ? `?${q}` : ''}`);
    },
    get: (jobId) => call('GET', `/v1/jobs/${id(jobId)}`),
    cancel: (jobId) => call('DELETE', `/v1/jobs/${id(jobId)}`),
    result: (jobId) => call('GET', `/v1/jobs/${id(jobId)}/result`),
  };
}
