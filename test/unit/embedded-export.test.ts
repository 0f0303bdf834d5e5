import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoDatabase, DEMO_TABLE } from '../../demo/footfall.ts';
import { createSqliteSource } from '../../dialects/sqlite/source.ts';
import { csvEncoder } from '../../encoders/csv/csv-transform.ts';
import { runExport } from '../../pipeline/run-export.ts';
import { createLocalFolderSink } from '../../sinks/local-folder.ts';
import { isoToMicros, microsToIsoFixed } from '../../core/time.ts';

// The embedded default end to end: SQLite → CSV → local folder, read back by an independent CSV parser.
describe('embedded export (SQLite → CSV → local folder)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-embedded-'));
  const dbFile = join(dir, 'demo.sqlite');
  const rows = 10_007; // not a multiple of the batch size
  const source = () => createSqliteSource({ filename: dbFile });

  beforeAll(() => createDemoDatabase(dbFile, rows));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports every row and value exactly, and reports what it stored', async () => {
    const src = source();
    const sink = createLocalFolderSink({ root: join(dir, 'out') });
    const result = await runExport(
      {
        source: src,
        query: { kind: 'table', table: DEMO_TABLE },
        encoder: csvEncoder,
        sink,
        key: 'nested/footfall.csv',
      },
      { batchRows: 1000 },
    );
    await src.close();

    const bytes = readFileSync(join(dir, 'out/nested/footfall.csv'));
    expect(result.rows).toBe(rows);
    expect(result.object.bytes).toBe(bytes.byteLength);
    expect(result.object.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(result.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'int64'],
      ['location_id', 'string'],
      ['location_name', 'string'],
      ['observed_at', 'timestamp'],
      ['opened_on', 'date'],
      ['entries', 'int64'],
      ['sales_volume', 'decimal'],
      ['lifetime_visits', 'int64'],
      ['note', 'string'],
    ]);

    const parsed = parse(bytes, { record_delimiter: '\r\n' }) as string[][];
    expect(parsed).toHaveLength(rows + 1);
    const db = new Database(dbFile, { readonly: true });
    const expected = db
      .prepare(`SELECT * FROM ${DEMO_TABLE} ORDER BY id`)
      .safeIntegers(true)
      .raw(true)
      .all() as unknown[][];
    db.close();
    parsed.slice(1).forEach((fields, i) => {
      const e = expected[i]!;
      expect(fields[0]).toBe(String(e[0]));
      expect(fields[2]).toBe(e[2]);
      expect(fields[3]).toBe(microsToIsoFixed(isoToMicros(e[3] as string)));
      expect(fields[4]).toBe(e[4]);
      expect(fields[6]).toBe(e[6] === null ? '' : String(e[6]));
      expect(fields[7]).toBe(String(e[7]));
      expect(fields[8]).toBe(e[8] ?? '');
    });
    // NULL and '' differ in the bytes: row 1's note is '', row 10's is NULL.
    const lines = bytes.toString('utf8').split('\r\n');
    expect(lines[1]!.endsWith(',""')).toBe(true);
    expect(parsed[10]![8]).toBe('');
    expect(expected[9]![8]).toBeNull();
  });

  it('selects named columns only, and refuses names that are not in the table', async () => {
    const src = source();
    const sink = createLocalFolderSink({ root: join(dir, 'cols') });
    const result = await runExport({
      source: src,
      query: { kind: 'table', table: DEMO_TABLE, columns: ['entries', 'id'] },
      encoder: csvEncoder,
      sink,
      key: 'two.csv',
    });
    expect(result.compiled.sql).toBe('SELECT "entries", "id" FROM "footfall"');
    expect(readFileSync(join(dir, 'cols/two.csv'), 'utf8').split('\r\n')[0]).toBe('entries,id');

    const attempt = (columns: string[], table = DEMO_TABLE) =>
      runExport({
        source: src,
        query: { kind: 'table', table, columns },
        encoder: csvEncoder,
        sink,
        key: 'bad.csv',
      });
    await expect(attempt(['id" FROM footfall; DROP TABLE footfall; --'])).rejects.toMatchObject({
      code: 'COLUMN_NOT_FOUND',
    });
    await expect(attempt(['id'], 'nope')).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    expect(readdirSync(join(dir, 'cols'))).toEqual(['two.csv']);
    await src.close();
  });

  it('leaves no file behind when the export is aborted midway', async () => {
    const src = source();
    const root = join(dir, 'aborted');
    const controller = new AbortController();
    const run = runExport(
      {
        source: src,
        query: { kind: 'table', table: DEMO_TABLE },
        encoder: csvEncoder,
        sink: createLocalFolderSink({ root }),
        key: 'x.csv',
      },
      {
        signal: controller.signal,
        batchRows: 100,
        onProgress: (p) => p.rows >= 500 && controller.abort(),
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await src.close();
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses object keys that escape the sink folder', () => {
    const sink = createLocalFolderSink({ root: join(dir, 'jail') });
    expect(() => sink.createWriter('../outside.csv', { contentType: 'text/csv' })).toThrowError(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
  });
});
