import { describe, expect, it } from 'vitest';
import { readSourceConfigs, readWorkerSettings } from '../../cli/config.ts';

describe('configuration from the environment', () => {
  it('reads named sources with their raw-SQL opt-in', () => {
    const sources = readSourceConfigs({
      SLUICE_SOURCE_WAREHOUSE: 'postgres://u:p@db/w',
      SLUICE_SOURCE_WAREHOUSE_RAW_SQL: 'true',
      SLUICE_SOURCE_SHOP: 'mysql://root@127.0.0.1/shop',
      SLUICE_SOURCE_SHOP_STATEMENT_TIMEOUT_MS: '5000',
      OTHER: 'x',
    });
    expect(sources).toEqual([
      { name: 'shop', url: 'mysql://root@127.0.0.1/shop', allowRawSql: false, statementTimeoutMs: 5000 },
      { name: 'warehouse', url: 'postgres://u:p@db/w', allowRawSql: true },
    ]);
  });

  it('rejects settings that cannot be meant', () => {
    expect(() =>
      readSourceConfigs({ SLUICE_SOURCE_A: 'sqlite:x', SLUICE_SOURCE_A_RAW_SQL: 'yes' }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() =>
      readWorkerSettings({
        S3_ACCESS_KEY_ID: 'a',
        S3_SECRET_ACCESS_KEY: 'b',
        S3_BUCKET: 'c',
        SLUICE_WORKER_CONCURRENCY: '0',
      }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => readWorkerSettings({})).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/S3_BUCKET/) }),
    );
  });
});
