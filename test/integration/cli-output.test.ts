import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { tableFromIPC } from 'apache-arrow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDemoDatabase, DEMO_TABLE } from '../../demo/footfall.ts';
import { runCli, startCli } from '../support/cli.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// `sluice export` as scripts use it: standard output, devices and pipes, --no-clobber, names that decide
// the format, --json, and CSV line endings on both the PostgreSQL COPY path and the decode path.
describe('sluice export output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-out-'));
  const db = join(dir, 'demo.sqlite');
  const source = `sqlite:${db}`;
  createDemoDatabase(db, 3_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--out - streams the data to stdout and the --json summary to stderr', async () => {
    const run = await runCli(['export', '--source', source, '--table', DEMO_TABLE, '--out', '-', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stderr) as Record<string, unknown>;
    expect(summary).toMatchObject({
      target: '-',
      rows: 3_000,
      bytes: run.stdout.byteLength,
      sha256: sha256(run.stdout),
    });
    expect(typeof summary.seconds).toBe('number');
    expect(run.stdout.toString('utf8').split('\r\n')).toHaveLength(3_000 + 2); // header + rows + ''
  });

  it('--out /dev/stdout writes to the stream and leaves the device link alone', async () => {
    const before = lstatSync('/dev/stdout');
    const run = await runCli([
      'export',
      '--source',
      source,
      '--table',
      DEMO_TABLE,
      '--out',
      '/dev/stdout',
      '-q',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString('utf8').split('\r\n')).toHaveLength(3_000 + 2);
    const after = lstatSync('/dev/stdout');
    expect(after.isSymbolicLink()).toBe(before.isSymbolicLink());
    expect(after.ino).toBe(before.ino);
  });

  it('a FIFO is written directly and is still a FIFO afterwards; no temporary file beside it', async () => {
    const fifoDir = mkdtempSync(join(dir, 'fifo-'));
    const fifo = join(fifoDir, 'rows.csv');
    execFileSync('mkfifo', [fifo]);
    const run = startCli(['export', '--source', source, '--table', DEMO_TABLE, '--out', fifo, '--json']);
    const read = buffer(createReadStream(fifo));
    const [{ code, stdout, stderr }, bytes] = await Promise.all([run.done, read]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.toString('utf8'))).toMatchObject({
      rows: 3_000,
      bytes: bytes.byteLength,
      sha256: sha256(bytes),
    });
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(fifoDir)).toEqual(['rows.csv']);
  });

  it('--no-clobber refuses an existing file before any work and keeps it; writes a new one', async () => {
    const target = join(dir, 'kept.csv');
    writeFileSync(target, 'precious\n');
    const refused = await runCli([
      'export',
      '--source',
      source,
      '--table',
      DEMO_TABLE,
      '--out',
      target,
      '--no-clobber',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sluice: TARGET_EXISTS: .*kept\.csv exists/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    const fresh = join(dir, 'fresh.csv');
    const ok = await runCli([
      'export',
      '--source',
      source,
      '--table',
      DEMO_TABLE,
      '--out',
      fresh,
      '--no-clobber',
      '-q',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(fresh, 'utf8').startsWith('id,')).toBe(true);
  });

  it('takes format and compression from the name, and refuses a name that contradicts the flags', async () => {
    const arrow = join(dir, 'rows.arrow');
    const ok = await runCli([
      'export',
      '--source',
      source,
      '--table',
      DEMO_TABLE,
      '--out',
      arrow,
      '--limit',
      '10',
      '-q',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const bytes = readFileSync(arrow);
    expect(bytes.subarray(0, 6).toString()).toBe('ARROW1'); // the IPC file format, as .arrow readers expect
    expect(bytes.subarray(-6).toString()).toBe('ARROW1');
    expect(tableFromIPC(bytes).numRows).toBe(10);

    const gz = join(dir, 'rows.csv.gz');
    expect(
      (await runCli(['export', '--source', source, '--table', DEMO_TABLE, '--out', gz, '-q'])).code,
    ).toBe(0);
    expect(readFileSync(gz).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    for (const args of [
      ['--out', join(dir, 'x.parquet'), '--format', 'csv'],
      ['--out', join(dir, 'x.csv'), '--compression', 'gzip'],
      ['--out', join(dir, 'x.arrow'), '--format', 'arrow'],
      ['--out', join(dir, 'x.parquet'), '--compression', 'zstd'],
      ['--out', join(dir, 'x.csv'), '--limit', '1e3'],
      ['--out', join(dir, 'x.parquet'), '--delimiter', ';'],
    ]) {
      const run = await runCli(['export', '--source', source, '--table', DEMO_TABLE, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^sluice: USAGE: /);
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('x.'))).toEqual([]);
  });

  describe('--line-ending on PostgreSQL', () => {
    let pool: pg.Pool;
    const table = `cli_eol_${process.pid}`;
    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: inject('infra').DATABASE_URL, max: 1 });
      await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text, at timestamptz, ok bool)`);
      await pool.query(
        `INSERT INTO ${table} SELECT g, CASE WHEN g % 3 = 0 THEN 'two' || chr(10) || 'lines' WHEN g % 3 = 1 THEN 'say "hi"' END,
           timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', g % 2 = 0 FROM generate_series(1, 500) g`,
      );
    });
    afterAll(async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    });

    it('lf and crlf: the COPY fast path and the decode path write the same bytes', async () => {
      const url = inject('infra').DATABASE_URL;
      for (const eol of ['lf', 'crlf']) {
        const copy = await runCli([
          'export',
          '--source',
          url,
          '--table',
          table,
          '--order-by',
          'id',
          '--line-ending',
          eol,
          '--out',
          '-',
          '-q',
        ]);
        // A bound value (--where) sends the query down the cursor path, where the CSV encoder writes the rows.
        const decoded = await runCli([
          'export',
          '--source',
          url,
          '--table',
          table,
          '--order-by',
          'id',
          '--where',
          'id >= 0',
          '--line-ending',
          eol,
          '--out',
          '-',
          '-q',
        ]);
        expect(copy.code, copy.stderr).toBe(0);
        expect(decoded.code, decoded.stderr).toBe(0);
        expect(copy.stdout.equals(decoded.stdout)).toBe(true);
        const text = copy.stdout.toString('utf8');
        expect(text.split(eol === 'lf' ? '\n' : '\r\n').length).toBeGreaterThan(500);
        if (eol === 'lf') expect(text).not.toContain('\r');
        expect(text).toContain('"two\nlines"'); // a line break inside a field is data, never rewritten
      }
    });
  });
});
