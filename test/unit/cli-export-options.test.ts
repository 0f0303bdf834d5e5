import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseExportFlags, type ExportFlags } from '../../cli/export/export-options.ts';
import { formatFromPath } from '../../cli/export/format-from-path.ts';
import { parseCount, parseOrderBy, parseWhere } from '../../cli/export/parse-where.ts';
import { clock, formatProgress } from '../../cli/export/progress-line.ts';
import { reportFailure } from '../../cli/report-error.ts';
import { readS3Settings } from '../../cli/s3-settings.ts';
import { SluiceError } from '../../core/errors.ts';

const base: ExportFlags = { source: 'sqlite:x.db', table: 't', out: 'x.csv', header: true, clobber: true };
const usage = expect.objectContaining({ code: 'USAGE' });

describe('sluice export flags', () => {
  it('infers format and compression from the name', () => {
    for (const [out, format, compression] of [
      ['a.csv', 'csv', 'none'],
      ['a.csv.gz', 'csv', 'gzip'],
      ['s3://b/k/a.jsonl.zst', 'ndjson', 'zstd'],
      ['a.parquet', 'parquet', 'none'],
      ['a.arrow', 'arrow-file', 'none'],
      ['a.arrows', 'arrow', 'none'],
      ['-', 'csv', 'none'],
      ['a.txt', 'csv', 'none'],
    ] as const) {
      expect(parseExportFlags({ ...base, out }), out).toMatchObject({ format, compression });
    }
    expect(formatFromPath('dir.v2/file')).toEqual({});
  });

  it('refuses what contradicts itself, before any work', () => {
    for (const flags of [
      { out: 'a.parquet', format: 'csv' },
      { out: 'a.csv', compression: 'gzip' },
      { out: 'a.csv.gz', compression: 'none' },
      { out: 'a.bin', format: 'parquet', compression: 'gzip' },
      { out: 'a.parquet', header: false },
      { out: 'a.json', lineEnding: 'lf' },
      { table: undefined, sql: 'select 1', limit: '3' },
      { sql: 'select 1' },
      { limit: '1e3' },
      { limit: '10abc' },
      { limit: '-1' },
      { json: true, quiet: true },
      { out: '-', clobber: false },
      { delimiter: ';;' },
      { source: 'postgres://u:p@h:notaport/db' },
      { source: 'ftp://x' },
    ] as Partial<ExportFlags>[]) {
      expect(() => parseExportFlags({ ...base, ...flags }), JSON.stringify(flags)).toThrowError(usage);
    }
  });

  it('turns --where, --order-by and --limit into the contract query', () => {
    const spec = parseExportFlags({
      ...base,
      columns: 'id, name',
      where: ['id >= 10', 'status in a,b', 'note is null', 'name ne x y'],
      orderBy: 'id:desc,name',
      limit: '0',
    });
    expect(spec.query).toEqual({
      kind: 'table',
      table: 't',
      columns: ['id', 'name'],
      filters: [
        { column: 'id', op: 'gte', value: '10' },
        { column: 'status', op: 'in', value: ['a', 'b'] },
        { column: 'note', op: 'is_null' },
        { column: 'name', op: 'ne', value: 'x y' },
      ],
      orderBy: [
        { column: 'id', direction: 'desc' },
        { column: 'name', direction: 'asc' },
      ],
      limit: 0,
    });
    expect(() => parseWhere('id like x')).toThrowError(usage);
    expect(() => parseWhere('id is null 3')).toThrowError(usage);
    expect(() => parseOrderBy('id:sideways')).toThrowError(usage);
    expect(parseCount('--rows', '200000')).toBe(200_000);
    expect(() => parseCount('--rows', '0x10')).toThrowError(usage);
  });
});

describe('the failure line', () => {
  it('one line with the code; exit 2 for usage, 130/143 for signals, 1 otherwise; secrets masked', () => {
    const secret = 'postgres://ana:hunter2@db/x?password=hunter2';
    const cases: [unknown, string, number][] = [
      [new SluiceError('USAGE', 'bad flag'), 'USAGE', 2],
      [new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), 'USAGE', 2],
      [new SluiceError('INTERRUPTED', 'x', { details: { signal: 'SIGINT' } }), 'INTERRUPTED', 130],
      [new SluiceError('INTERRUPTED', 'x', { details: { signal: 'SIGTERM' } }), 'INTERRUPTED', 143],
      [new SluiceError('QUERY_FAILED', `failed on ${secret}`), 'QUERY_FAILED', 1],
      [
        Object.assign(new Error(`connect ECONNREFUSED ${secret}`), { code: 'ECONNREFUSED' }),
        'SOURCE_UNAVAILABLE',
        1,
      ],
      [new TypeError(`Invalid URL ${secret}`), 'INTERNAL_ERROR', 1],
    ];
    for (const [err, code, exitCode] of cases) {
      const report = reportFailure(err, { debug: false });
      expect(report).toMatchObject({ code, exitCode });
      expect(report.text).toMatch(new RegExp(`^sluice: ${code}: `));
      expect(report.text).not.toContain('hunter2');
    }
  });

  it('SLUICE_DEBUG adds the stack and the properties, masked too', () => {
    const err = new SluiceError('SOURCE_UNAVAILABLE', 'down', {
      details: { url: 'mysql://root:hunter2@db/x' },
      cause: new Error('at postgres://u:hunter2@h/db'),
    });
    const { text } = reportFailure(err, { debug: true });
    expect(text).toMatch(/\n\s+at /);
    expect(text).toContain('mysql://***:***@db/x');
    expect(text).not.toContain('hunter2');
  });
});

describe('S3 settings for every role', () => {
  it('static keys when given, the AWS default chain when not; region from the usual places', () => {
    expect(
      readS3Settings({ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' }),
    ).toMatchObject({
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      region: 'us-east-1',
    });
    const chain = readS3Settings({ S3_BUCKET: 'b', AWS_REGION: 'eu-west-3', HOME: '/nonexistent' });
    expect(chain.credentials).toBeUndefined();
    expect(chain.region).toBe('eu-west-3');
    expect(readS3Settings({ S3_BUCKET: 'b', AWS_DEFAULT_REGION: 'ap-south-1' }).region).toBe('ap-south-1');
    expect(readS3Settings({ S3_BUCKET: 'b', S3_REGION: 'x', AWS_REGION: 'y' }).region).toBe('x');
    expect(() => readS3Settings({ S3_BUCKET: 'b', S3_SECRET_ACCESS_KEY: 's' })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('the progress line', () => {
  it('shows elapsed time always, % and ETA when the total is known', () => {
    expect(formatProgress({ rows: 500, bytes: 2e6, elapsedMs: 2000 })).toBe(
      '500 rows  2.0 MB  250 rows/s  0:02',
    );
    expect(formatProgress({ rows: 500, bytes: 2e6, elapsedMs: 2000 }, 2000)).toBe(
      '500 rows  2.0 MB  250 rows/s  0:02  25% ETA 0:06',
    );
    expect(formatProgress({ rows: 3000, bytes: 2e6, elapsedMs: 2000 }, 2000)).toMatch(/past the estimate/);
    expect(clock(3_723_000)).toBe('1:02:03');
  });
});
