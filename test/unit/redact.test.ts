import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { redactText, redactUrl } from '../../core/redact.ts';
import { failedEvent } from '../../consumers/export-worker/events.ts';
import { toJobError } from '../../consumers/export-worker/job-error.ts';

/** [url, what must not survive, what the redacted form still shows]. */
const NASTY: [url: string, secrets: string[], keeps: string][] = [
  ['postgres://ana:s3cret@db.example:5432/sales', ['s3cret', 'ana'], 'db.example:5432/sales'],
  ['mysql://root:p@ss@w0rd@h/db', ['p@ss', 'w0rd', 'root'], '@h/db'],
  ['mysql://:onlypw@h/db', ['onlypw'], '@h/db'],
  ['mysql://user@h/db', ['user@'], '@h/db'],
  ['postgres://h/db?password=hunter2&sslmode=require', ['hunter2'], 'sslmode=require'],
  ['postgres://h/db?sslmode=disable&pwd=hunter2', ['hunter2'], 'sslmode=disable'],
  ['postgres://h/db?sslpassword=kp1&PASSWORD=kp2', ['kp1', 'kp2'], 'postgres://h/db'],
  ['mysql://u:pa/ss@h/db', ['pa/ss', 'ss@'], '@h/db'],
  ['mysql://u:12/ss@h/db', ['12/ss'], '@h/db'],
  ['mysql://u:a#b?c@h/db', ['a#b', 'b?c'], '@h/db'],
  ['mariadb://u:%40%3Ax@h:3307/db', ['%40%3Ax'], 'h:3307/db'],
  ['postgresql://u:pw@[::1]:5432/db?application_name=x', ['pw@'], '[::1]:5432/db'],
  ['sqlite:/var/lib/demo.sqlite', [], 'sqlite:/var/lib/demo.sqlite'],
  ['duckdb::memory:', [], 'duckdb::memory:'],
];

describe('redactUrl', () => {
  for (const [url, secrets, keeps] of NASTY) {
    it(url, () => {
      const out = redactUrl(url);
      for (const s of secrets) expect(out).not.toContain(s);
      expect(out).toContain(keeps);
    });
  }
});

describe('redactText', () => {
  for (const [url, secrets] of NASTY) {
    it(`masks ${url} inside a message`, () => {
      const out = redactText(`connect to "${url}" failed (ECONNREFUSED), url=${url}.`);
      for (const s of secrets) expect(out).not.toContain(s);
      expect(out).toContain('failed (ECONNREFUSED)');
    });
  }

  it('masks libpq key=value secrets and leaves ordinary text alone', () => {
    expect(redactText('host=h password=hunter2 dbname=x')).toBe('host=h password=*** dbname=x');
    expect(redactText("password: 'a b'")).toBe('password: ***');
    expect(redactText('relation "orders" does not exist')).toBe('relation "orders" does not exist');
  });
});

describe('every way out masks', () => {
  const url = 'mysql://root:p@ss@w0rd@db.internal/sales';

  it('SluiceError message and string details', () => {
    const err = new SluiceError('SOURCE_UNAVAILABLE', `cannot connect to ${url}`, { details: { url } });
    expect(err.message).not.toContain('w0rd');
    expect(String(err.details.url)).not.toContain('w0rd');
  });

  it('job errors and failure events of non-sluice errors', () => {
    const jobError = toJobError(new TypeError(`Invalid URL: ${url}`));
    expect(jobError.message).not.toContain('w0rd');
    const event = failedEvent(
      { jobId: 'j', requestId: 'r', workspaceId: 'w' },
      { code: 'QUERY_FAILED', message: `at ${url}`, retriable: false },
    );
    expect(event.message).not.toContain('w0rd');
  });

  it('log lines, in fields and in errors', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.error('x.failed', { url, nested: { text: `see ${url}` }, err: new Error(`boom ${url}`) });
    expect(lines.join('')).not.toContain('w0rd');
    expect(lines.join('')).not.toContain('p@ss');
    expect(lines.join('')).toContain('db.internal');
  });
});
