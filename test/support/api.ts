import { inject } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { startApiService, type ApiService, type ApiSettings } from '../../producers/http/service.ts';
import { s3Settings } from './s3.ts';

/** The real job API, in this process, on a free port, against the real PostgreSQL, broker and S3Proxy. */
export function startTestApi(overrides: Partial<ApiSettings> = {}): Promise<ApiService> {
  const infra = inject('infra');
  return startApiService(
    {
      databaseUrl: infra.DATABASE_URL,
      brokers: infra.KAFKA_BROKERS.split(','),
      s3: s3Settings(),
      host: '127.0.0.1',
      port: 0,
      sources: [],
      ...overrides,
    },
    silentLogger,
  );
}
