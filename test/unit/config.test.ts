import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readApiSettings, readDatabaseUrl, readSourceConfigs, readWorkerSettings } from '../../cli/config.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'sluice.mjs');

describe('configuration from the environment', () => {
  it('worker deployment settings: start at the end, expire day-old requests, stop within 20 s, unless told', () => {
    const base = { DATABASE_URL: 'postgres://u@db/s', S3_BUCKET: 'b' };
    expect(readWorkerSettings(base)).toMatchObject({
      worker: { requestsFrom: 'latest', requestMaxAgeMs: 86_400_000 },
      shutdownTimeoutMs: 20_000,
    });
    const told = readWorkerSettings({
      ...base,
      SLUICE_REQUESTS_FROM: 'earliest',
      SLUICE_REQUEST_MAX_AGE_MS: 'off',
      SLUICE_SHUTDOWN_TIMEOUT_MS: '5000',
      SLUICE_REQUEST_TOPIC: 'team.requests',
    });
    expect(told).toMatchObject({
      worker: { requestsFrom: 'earliest', requestTopic: 'team.requests' },
      shutdownTimeoutMs: 5000,
    });
    expect(told.worker.requestMaxAgeMs).toBeUndefined();
    expect(() => readWorkerSettings({ ...base, SLUICE_REQUESTS_FROM: 'beginning' })).toThrow(
      /SLUICE_REQUESTS_FROM must be earliest or latest/,
    );
    expect(() => readWorkerSettings({ ...base, SLUICE_SHUTDOWN_TIMEOUT_MS: '0' })).toThrow(
      /SLUICE_SHUTDOWN_TIMEOUT_MS must be a positive integer/,
    );
  });

  it('reads named sources with their grants, denying what is not granted', () => {
    const sources = readSourceConfigs({
      SLUICE_SOURCE_WAREHOUSE: 'postgres://u:p@db/w',
      SLUICE_SOURCE_WAREHOUSE_RAW_SQL: 'true',
      SLUICE_SOURCE_WAREHOUSE_WORKSPACES: 'acme, beta',
      SLUICE_SOURCE_WAREHOUSE_TABLES: 'public.*,sales.orders,events',
      SLUICE_SOURCE_SHOP: 'mysql://root@127.0.0.1/shop',
      SLUICE_SOURCE_SHOP_STATEMENT_TIMEOUT_MS: '5000',
      OTHER: 'x',
    });
    expect(sources).toEqual([
      {
        name: 'shop',
        url: 'mysql://root@127.0.0.1/shop',
        grant: { workspaces: [], tables: [], rawSql: [] },
        statementTimeoutMs: 5000,
      },
      {
        name: 'warehouse',
        url: 'postgres://u:p@db/w',
        grant: { workspaces: ['acme', 'beta'], tables: ['public.*', 'sales.orders', 'events'], rawSql: '*' },
      },
    ]);
    const narrowed = readSourceConfigs({
      SLUICE_SOURCE_W: 'sqlite:x',
      SLUICE_SOURCE_W_WORKSPACES: '*',
      SLUICE_SOURCE_W_TABLES: '*',
      SLUICE_SOURCE_W_RAW_SQL: 'true',
      SLUICE_SOURCE_W_RAW_SQL_WORKSPACES: 'ops',
    });
    expect(narrowed[0]!.grant).toEqual({ workspaces: '*', tables: ['*'], rawSql: ['ops'] });
  });

  it('refuses grant entries that are not names', () => {
    for (const [key, value] of [
      ['SLUICE_SOURCE_A_TABLES', 'public.t; drop'],
      ['SLUICE_SOURCE_A_TABLES', '"x"'],
      ['SLUICE_SOURCE_A_WORKSPACES', 'a b'],
    ] as const) {
      expect(() => readSourceConfigs({ SLUICE_SOURCE_A: 'sqlite:x', [key]: value })).toThrowError(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(key) }),
      );
    }
  });

  it('rejects settings that cannot be meant', () => {
    expect(() =>
      readSourceConfigs({ SLUICE_SOURCE_A: 'sqlite:x', SLUICE_SOURCE_A_RAW_SQL: 'yes' }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() =>
      readWorkerSettings({
        DATABASE_URL: 'postgres://db/sluice',
        S3_ACCESS_KEY_ID: 'a',
        S3_SECRET_ACCESS_KEY: 'b',
        S3_BUCKET: 'c',
        SLUICE_WORKER_CONCURRENCY: '0',
      }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => readWorkerSettings({ DATABASE_URL: 'postgres://db/sluice' })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/S3_BUCKET/) }),
    );
  });

  it('reads the planning time box for the API and the worker', () => {
    const env = {
      DATABASE_URL: 'postgres://db/sluice',
      S3_ACCESS_KEY_ID: 'a',
      S3_SECRET_ACCESS_KEY: 'b',
      S3_BUCKET: 'c',
    };
    expect(readApiSettings(env).planningTimeoutMs).toBeUndefined();
    expect(readApiSettings({ ...env, SLUICE_PLANNING_TIMEOUT_MS: '500' }).planningTimeoutMs).toBe(500);
    expect(readWorkerSettings({ ...env, SLUICE_PLANNING_TIMEOUT_MS: '500' }).planningTimeoutMs).toBe(500);
    expect(() => readWorkerSettings({ ...env, SLUICE_PLANNING_TIMEOUT_MS: '-1' })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  describe('job API rate limits', () => {
    const s3 = {
      DATABASE_URL: 'postgres://db/sluice',
      S3_ACCESS_KEY_ID: 'k',
      S3_SECRET_ACCESS_KEY: 's',
      S3_BUCKET: 'b',
    };

    it("default to the seed's limits", () => {
      const { ratePolicies } = readApiSettings(s3);
      expect(ratePolicies).toEqual({
        interactive: {
          name: 'interactive',
          scope: 'user',
          capacity: 30,
          refillTokens: 30,
          refillSeconds: 60,
        },
        api: { name: 'api', scope: 'workspace', capacity: 10, refillTokens: 300, refillSeconds: 3600 },
      });
    });

    it('take <burst>,<tokens>/<seconds> per token kind, keeping name and scope', () => {
      const { ratePolicies } = readApiSettings({ ...s3, SLUICE_RATE_LIMIT_API: ' 100 , 6000/60 ' });
      expect(ratePolicies!.api).toEqual({
        name: 'api',
        scope: 'workspace',
        capacity: 100,
        refillTokens: 6000,
        refillSeconds: 60,
      });
      expect(ratePolicies!.interactive.capacity).toBe(30);
    });

    it.each(['10', '10,300', '0,300/3600', '10,300/0', 'ten,300/3600', '10,-1/60'])(
      'refuse %j naming the variable and the shape',
      (value) => {
        expect(() => readApiSettings({ ...s3, SLUICE_RATE_LIMIT_INTERACTIVE: value })).toThrow(
          /SLUICE_RATE_LIMIT_INTERACTIVE must look like <burst>,<tokens>\/<seconds>/,
        );
      },
    );
  });

  describe('DATABASE_URL', () => {
    const s3 = { S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_BUCKET: 'b' };

    it('the services refuse to start without it', () => {
      const missing = expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/^DATABASE_URL is not set/),
      });
      expect(() => readWorkerSettings(s3)).toThrowError(missing);
      expect(() => readApiSettings(s3)).toThrowError(missing);
      const db = 'postgres://sluice@db:5432/sluice';
      expect(readWorkerSettings({ ...s3, DATABASE_URL: db }).databaseUrl).toBe(db);
      expect(readApiSettings({ ...s3, DATABASE_URL: db }).databaseUrl).toBe(db);
    });

    it('commands run by hand fall back to the local development database', () => {
      expect(readDatabaseUrl({})).toBe('postgres://postgres@127.0.0.1:5432/test');
    });

    // The real command line, as an operator starts it: one line on stderr, a non-zero exit, nothing started.
    for (const command of ['worker', 'api']) {
      it(`sluice ${command} without it exits 1 with one line naming it`, () => {
        const run = spawnSync(process.execPath, [bin, command], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...s3 },
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(
          new RegExp(
            `^sluice: CONFIG_INVALID: DATABASE_URL is not set: sluice ${command} keeps its state in [^\\n]*\\n$`,
          ),
        );
        expect(run.stdout).toBe('');
      }, 90_000); // a real process: tsx compiles the CLI's modules first
    }
  });
});
