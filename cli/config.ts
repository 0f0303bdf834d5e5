import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../core/deadline.ts';
import { SluiceError } from '../core/errors.ts';
import type { WorkerSettings } from '../consumers/export-worker/service.ts';
import type { GrantedSourceConfig } from '../planning/export-plan.ts';
import type { SourceGrant } from '../security/source-grants.ts';
import type { ApiSettings } from '../producers/http/service.ts';
import type { SchedulerSettings } from '../producers/scheduler/service.ts';
import type { DeliverySettings } from '../consumers/delivery/service.ts';
import { parseRatePolicy, RatePolicies, type RatePolicy } from '../auth/rate-limiter.ts';
import type { Env } from './env.ts';
import { readS3Settings } from './s3-settings.ts';

export { readS3Settings } from './s3-settings.ts';

const SOURCE_KEY = /^SLUICE_SOURCE_([A-Z0-9_]+)$/;
const SOURCE_FLAGS = ['_RAW_SQL', '_RAW_SQL_WORKSPACES', '_STATEMENT_TIMEOUT_MS', '_WORKSPACES', '_TABLES'];

/**
 * Named sources: `SLUICE_SOURCE_<NAME>=<url>` (postgres://, mysql://, sqlite:), and its grant (deny by
 * default): `SLUICE_SOURCE_<NAME>_WORKSPACES` (comma list or `*`), `SLUICE_SOURCE_<NAME>_TABLES` (comma list
 * of `table`, `schema.table`, `schema.*` or `*`), `SLUICE_SOURCE_<NAME>_RAW_SQL=true` (raw SQL for the granted
 * workspaces, or only those in `SLUICE_SOURCE_<NAME>_RAW_SQL_WORKSPACES`), plus `SLUICE_SOURCE_<NAME>_STATEMENT_TIMEOUT_MS` to bound each query.
 * A request names the source in lower case.
 */
export function readSourceConfigs(env: Env): GrantedSourceConfig[] {
  const configs: GrantedSourceConfig[] = [];
  for (const [key, url] of Object.entries(env)) {
    const m = SOURCE_KEY.exec(key);
    if (!m || !url || SOURCE_FLAGS.some((flag) => key.endsWith(flag))) continue;
    const upper = m[1]!;
    const timeout = env[`SLUICE_SOURCE_${upper}_STATEMENT_TIMEOUT_MS`];
    configs.push({
      name: upper.toLowerCase(),
      url,
      grant: readSourceGrant(env, upper),
      ...(timeout
        ? { statementTimeoutMs: positiveInt(`SLUICE_SOURCE_${upper}_STATEMENT_TIMEOUT_MS`, timeout) }
        : {}),
    });
  }
  return configs.sort((a, b) => a.name.localeCompare(b.name));
}

const WORKSPACE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const TABLE_ENTRY = /^(\*|[A-Za-z_][A-Za-z0-9_$]{0,63}(\.([A-Za-z_][A-Za-z0-9_$]{0,63}|\*))?)$/;

/** One source's grant from its `_WORKSPACES`, `_TABLES` and `_RAW_SQL` variables; absent ones grant nothing. */
export function readSourceGrant(env: Env, upper: string): SourceGrant {
  const name = (suffix: string) => `SLUICE_SOURCE_${upper}${suffix}`;
  const list = (suffix: string, item: RegExp, what: string): '*' | string[] => {
    const raw = env[name(suffix)]?.trim();
    if (!raw) return [];
    if (raw === '*') return '*';
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = items.find((i) => !item.test(i));
    if (bad !== undefined) {
      throw new SluiceError('CONFIG_INVALID', `${name(suffix)}: ${JSON.stringify(bad)} is not ${what}`);
    }
    return items;
  };
  const workspaces = list('_WORKSPACES', WORKSPACE, 'a workspace id (or use * alone)');
  const tables = list('_TABLES', TABLE_ENTRY, 'table, schema.table, schema.* or *');
  const rawEnv = env[name('_RAW_SQL')]?.trim();
  if (rawEnv !== undefined && rawEnv !== '' && rawEnv !== 'true' && rawEnv !== 'false') {
    throw new SluiceError('CONFIG_INVALID', `${name('_RAW_SQL')} must be true or false`);
  }
  // RAW_SQL=true opens raw SQL to every granted workspace; RAW_SQL_WORKSPACES narrows it to some of them.
  const rawList = list('_RAW_SQL_WORKSPACES', WORKSPACE, 'a workspace id (or use * alone)');
  const rawSql: '*' | string[] =
    rawEnv !== 'true' ? [] : env[name('_RAW_SQL_WORKSPACES')]?.trim() ? rawList : '*';
  return { workspaces, tables: tables === '*' ? ['*'] : tables, rawSql };
}

export function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new SluiceError('CONFIG_INVALID', `${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export function readKafkaBrokers(env: Env): string[] {
  return (env.KAFKA_BROKERS || '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function readWorkerSettings(env: Env): WorkerSettings {
  const int = (name: string, fallback: number) => (env[name] ? positiveInt(name, env[name]!) : fallback);
  return {
    worker: {
      brokers: readKafkaBrokers(env),
      groupId: env.SLUICE_WORKER_GROUP || 'sluice-export-workers',
      concurrency: int('SLUICE_WORKER_CONCURRENCY', 2),
      workspaceMaxRunning: int('SLUICE_WORKSPACE_MAX_RUNNING', 2),
      leaseMs: int('SLUICE_JOB_LEASE_MS', 30_000),
      maxAttempts: int('SLUICE_MAX_ATTEMPTS', 3),
      requestPartitions: int('SLUICE_REQUEST_PARTITIONS', 6),
      ...(env.SCHEMA_REGISTRY_URL ? { schemaRegistryUrl: env.SCHEMA_REGISTRY_URL } : {}),
      requestsFrom: readRequestsFrom(env),
      ...(env.SLUICE_REQUEST_TOPIC ? { requestTopic: env.SLUICE_REQUEST_TOPIC } : {}),
      ...readRequestMaxAge(env),
    },
    databaseUrl: requireDatabaseUrl(env, 'worker'),
    shutdownTimeoutMs: readShutdownTimeout(env),
    s3: readS3Settings(env),
    ...(env.S3_PUBLIC_ENDPOINT ? { s3PublicEndpoint: env.S3_PUBLIC_ENDPOINT } : {}),
    sources: readSourceConfigs(env),
    ...(env.SLUICE_CATALOG ? { catalogPath: env.SLUICE_CATALOG } : {}),
    ...readPlanningTimeout(env),
    ...readWorkerMetrics(env),
  };
}

/**
 * SLUICE_REQUESTS_FROM: where a worker group starts on a requests partition it has no committed offset for.
 * `latest` by default: a new group (or a new deployment's group beside a new job database) must not run the
 * topic's history again under its own sources and policies; replaying it is the explicit `earliest`.
 */
export function readRequestsFrom(env: Env): 'earliest' | 'latest' {
  const raw = env.SLUICE_REQUESTS_FROM?.trim() || 'latest';
  if (raw !== 'earliest' && raw !== 'latest')
    throw new SluiceError(
      'CONFIG_INVALID',
      `SLUICE_REQUESTS_FROM must be earliest or latest, got ${JSON.stringify(raw)}`,
    );
  return raw;
}

/** SLUICE_REQUEST_MAX_AGE_MS: requests older than this are answered REQUEST_EXPIRED (default 24 h; `off`: never). */
export function readRequestMaxAge(env: Env): { requestMaxAgeMs?: number } {
  const raw = env.SLUICE_REQUEST_MAX_AGE_MS?.trim();
  if (raw === 'off') return {};
  return { requestMaxAgeMs: raw ? positiveInt('SLUICE_REQUEST_MAX_AGE_MS', raw) : 24 * 3_600_000 };
}

/** SLUICE_SHUTDOWN_TIMEOUT_MS: how long a long-running service may take to stop on SIGTERM (default 20 s). */
export function readShutdownTimeout(env: Env): number {
  return env.SLUICE_SHUTDOWN_TIMEOUT_MS
    ? positiveInt('SLUICE_SHUTDOWN_TIMEOUT_MS', env.SLUICE_SHUTDOWN_TIMEOUT_MS)
    : DEFAULT_SHUTDOWN_TIMEOUT_MS;
}

/** SLUICE_PLANNING_TIMEOUT_MS: how long planning one request may take, in the API and the worker. */
export function readPlanningTimeout(env: Env): { planningTimeoutMs?: number } {
  return env.SLUICE_PLANNING_TIMEOUT_MS
    ? { planningTimeoutMs: positiveInt('SLUICE_PLANNING_TIMEOUT_MS', env.SLUICE_PLANNING_TIMEOUT_MS) }
    : {};
}

/**
 * The worker's `/metrics` listener: SLUICE_WORKER_METRICS_PORT (default 9464, Prometheus exporters' usual
 * port; `off` for none) on SLUICE_WORKER_METRICS_HOST (default 0.0.0.0). Several workers on one host each
 * need their own port.
 */
export function readWorkerMetrics(env: Env): Pick<WorkerSettings, 'metrics'> {
  const raw = env.SLUICE_WORKER_METRICS_PORT;
  if (raw === 'off') return {};
  const port = raw ? Number(raw) : 9464;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new SluiceError(
      'CONFIG_INVALID',
      `SLUICE_WORKER_METRICS_PORT must be a port number or off, got ${JSON.stringify(raw)}`,
    );
  return { metrics: { host: env.SLUICE_WORKER_METRICS_HOST || '0.0.0.0', port } };
}

/** Where `npm run infra:up` and the tests find PostgreSQL; only commands run by hand may fall back to it. */
export const DEV_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The PostgreSQL that holds sluice's own state (jobs, tokens, rate buckets), for the commands an operator
 * runs by hand (`tokens`, `policies`): the local development database when DATABASE_URL is unset.
 */
export function readDatabaseUrl(env: Env): string {
  return env.DATABASE_URL || DEV_DATABASE_URL;
}

/**
 * The same for the long-running services, which never guess: a worker or an API on a default database
 * would run, and keep its jobs, somewhere nobody looks.
 */
export function requireDatabaseUrl(env: Env, service: string): string {
  if (!env.DATABASE_URL) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `DATABASE_URL is not set: sluice ${service} keeps its state in PostgreSQL; set DATABASE_URL=postgres://…`,
      { details: { missing: ['DATABASE_URL'] } },
    );
  }
  return env.DATABASE_URL;
}

/** `sluice api`: its PostgreSQL, brokers, S3 (to sign result URLs) and where to listen. */
export function readApiSettings(env: Env): ApiSettings {
  const port = env.SLUICE_API_PORT ? Number(env.SLUICE_API_PORT) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new SluiceError(
      'CONFIG_INVALID',
      `SLUICE_API_PORT must be a port number, got ${env.SLUICE_API_PORT}`,
    );
  const reportSource = env.SLUICE_API_REPORT_SOURCE?.toLowerCase();
  const limits = (name: string, base: RatePolicy) =>
    env[name] ? parseRatePolicy(base, env[name]!, name) : base;
  return {
    databaseUrl: requireDatabaseUrl(env, 'api'),
    brokers: readKafkaBrokers(env),
    sources: readSourceConfigs(env),
    s3: readS3Settings(env),
    ...(env.S3_PUBLIC_ENDPOINT ? { s3PublicEndpoint: env.S3_PUBLIC_ENDPOINT } : {}),
    host: env.SLUICE_API_HOST || '0.0.0.0',
    port,
    ...(reportSource ? { reportSource } : {}),
    ...(env.SLUICE_REQUEST_TOPIC ? { requestTopic: env.SLUICE_REQUEST_TOPIC } : {}),
    ...(env.SLUICE_CATALOG ? { catalogPath: env.SLUICE_CATALOG } : {}),
    ...readPlanningTimeout(env),
    ...(env.SLUICE_API_SYNC_WAIT_MS
      ? { syncWaitMs: positiveInt('SLUICE_API_SYNC_WAIT_MS', env.SLUICE_API_SYNC_WAIT_MS) }
      : {}),
    ratePolicies: {
      interactive: limits('SLUICE_RATE_LIMIT_INTERACTIVE', RatePolicies.interactive),
      api: limits('SLUICE_RATE_LIMIT_API', RatePolicies.api),
    },
  };
}

/** SigV4 presigned URLs live at most 7 days; a scheduled mail's link gets all of it by default. */
export const MAX_LINK_TTL_SECONDS = 604_800;

/** `sluice scheduler` (and the scheduler role of `sluice worker`). */
export function readSchedulerSettings(env: Env): SchedulerSettings {
  const ttl = env.SLUICE_MAIL_LINK_TTL_SECONDS
    ? positiveInt('SLUICE_MAIL_LINK_TTL_SECONDS', env.SLUICE_MAIL_LINK_TTL_SECONDS)
    : MAX_LINK_TTL_SECONDS;
  if (ttl < 60 || ttl > MAX_LINK_TTL_SECONDS)
    throw new SluiceError(
      'CONFIG_INVALID',
      `SLUICE_MAIL_LINK_TTL_SECONDS must be 60–${MAX_LINK_TTL_SECONDS} (a presigned URL lives at most 7 days)`,
    );
  return {
    databaseUrl: requireDatabaseUrl(env, 'scheduler'),
    brokers: readKafkaBrokers(env),
    linkTtlSeconds: ttl,
    ...(env.SLUICE_SCHEDULER_POLL_SECONDS
      ? { pollSeconds: positiveInt('SLUICE_SCHEDULER_POLL_SECONDS', env.SLUICE_SCHEDULER_POLL_SECONDS) }
      : {}),
    ...(env.SLUICE_REQUEST_TOPIC ? { requestTopic: env.SLUICE_REQUEST_TOPIC } : {}),
  };
}

/** `sluice delivery` (and the delivery role of `sluice worker`); undefined when no SMTP relay is configured. */
export function readDeliverySettings(env: Env): DeliverySettings | undefined {
  if (!env.SLUICE_SMTP_URL) return undefined;
  let url: URL;
  try {
    url = new URL(env.SLUICE_SMTP_URL);
  } catch {
    throw new SluiceError(
      'CONFIG_INVALID',
      'SLUICE_SMTP_URL must be smtp://host:port or smtps://user:pass@host:port',
    );
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new SluiceError('CONFIG_INVALID', 'SLUICE_SMTP_URL must start with smtp:// or smtps://');
  return {
    databaseUrl: requireDatabaseUrl(env, 'delivery'),
    brokers: readKafkaBrokers(env),
    smtpUrl: env.SLUICE_SMTP_URL,
    mailFrom: env.SLUICE_MAIL_FROM || 'sluice <sluice@localhost>',
    attachMaxBytes: env.SLUICE_MAIL_ATTACH_MAX_BYTES
      ? positiveInt('SLUICE_MAIL_ATTACH_MAX_BYTES', env.SLUICE_MAIL_ATTACH_MAX_BYTES)
      : 5 * 1024 * 1024,
    groupId: env.SLUICE_DELIVERY_GROUP || 'sluice-delivery',
    ...(env.SLUICE_DELIVERY_POLL_SECONDS
      ? { pollSeconds: positiveInt('SLUICE_DELIVERY_POLL_SECONDS', env.SLUICE_DELIVERY_POLL_SECONDS) }
      : {}),
  };
}

export type WorkerRole = 'export' | 'scheduler' | 'delivery';
const ROLES: readonly WorkerRole[] = ['export', 'scheduler', 'delivery'];

/** `SLUICE_WORKER_ROLES`: which roles `sluice worker` runs; all of them by default. */
export function readWorkerRoles(env: Env): WorkerRole[] {
  if (!env.SLUICE_WORKER_ROLES) return [...ROLES];
  const roles = env.SLUICE_WORKER_ROLES.split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !ROLES.includes(r as WorkerRole));
  if (unknown.length > 0 || roles.length === 0)
    throw new SluiceError(
      'CONFIG_INVALID',
      `SLUICE_WORKER_ROLES: a comma-separated subset of ${ROLES.join(', ')}`,
    );
  return roles as WorkerRole[];
}
