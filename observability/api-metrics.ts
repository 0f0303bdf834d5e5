import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  /** Requests answered 429, by route. */
  rateLimited: Counter<'route'>;
}

/**
 * The API's metrics. Job and outbox figures are read from the job store at scrape time, not counted in this
 * process: several API replicas and every worker write that store, and the table is the one place that
 * knows the whole picture. One registry per service, nothing global, so tests can start several.
 */
export function createApiMetrics(pool: pg.Pool): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_api_' });

  new Gauge({
    name: 'sluice_jobs',
    help: 'Jobs in the job store, by state and workspace',
    labelNames: ['state', 'workspace'],
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ workspace_id: string; status: string; n: number }>(
        `SELECT workspace_id, status, count(*)::int AS n FROM sluice_jobs GROUP BY workspace_id, status`,
      );
      this.reset();
      for (const r of rows) this.set({ state: r.status, workspace: r.workspace_id }, r.n);
    },
  });

  new Gauge({
    name: 'sluice_queue_depth',
    help: 'Jobs waiting to run (queued), by workspace',
    labelNames: ['workspace'],
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ workspace_id: string; n: number }>(
        `SELECT workspace_id, count(*)::int AS n FROM sluice_jobs WHERE status = 'queued' GROUP BY workspace_id`,
      );
      this.reset();
      for (const r of rows) this.set({ workspace: r.workspace_id }, r.n);
    },
  });

  const outboxAge = new Gauge({
    name: 'sluice_outbox_oldest_pending_seconds',
    help: 'Age of the oldest outbox row not yet published to Kafka (0 when none)',
    registers: [registry],
  });
  new Gauge({
    name: 'sluice_outbox_backlog',
    help: 'Outbox rows not yet published to Kafka',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ n: number; age: number }>(
        `SELECT count(*)::int AS n,
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age
           FROM sluice_outbox WHERE published_at IS NULL`,
      );
      this.set(rows[0]?.n ?? 0);
      outboxAge.set(rows[0]?.age ?? 0);
    },
  });

  const rateLimited = new Counter({
    name: 'sluice_rate_limit_rejections_total',
    help: 'Requests refused with 429 by the per-token rate limits, by route',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  return { registry, rateLimited };
}
