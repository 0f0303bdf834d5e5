import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresSource } from '../../dialects/postgres/source.ts';
import type { Query, Source } from '../../dialects/source.ts';
import { encoderFor } from '../../encoders/index.ts';
import { runSplitExport, type SplitExportPlan } from '../../pipeline/run-split-export.ts';
import type { Manifest } from '../../pipeline/split/manifest.ts';
import { createLocalFolderSink } from '../../sinks/local-folder.ts';
import type { ObjectWriter, Sink, StoredObject } from '../../sinks/sink.ts';

/**
 * runSplitExport on its own: a real PostgreSQL source into a local folder (the runner is the same for
 * every sink; split-export.test.ts covers S3 and the formats through runFormatExport).
 */
describe('runSplitExport (real PostgreSQL, local folder)', () => {
  const schema = `split_runner_${randomUUID().slice(0, 8)}`;
  const ROWS = 2_500;
  let admin: pg.Client;
  let source: Source;
  let dir: string;

  beforeAll(async () => {
    const url = inject('infra').DATABASE_URL;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`CREATE TABLE "${schema}".t (id int8 PRIMARY KEY, label text NOT NULL)`);
    await admin.query(`INSERT INTO "${schema}".t SELECT g, 'row ' || g FROM generate_series(1, ${ROWS}) g`);
    source = createPostgresSource({ url });
  });

  afterAll(async () => {
    await source?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });

  const table = (where = ''): Query => ({
    kind: 'sql',
    sql: `SELECT id, label FROM "${schema}".t ${where} ORDER BY id`,
  });

  const plan = (sink: Sink, queries: Query[], maxRows: number): SplitExportPlan => ({
    source,
    queries,
    encoder: encoderFor('csv'),
    encoderOptions: {},
    compression: 'none',
    sink,
    fileKeyFor: (name) => `out/${name}`,
    extension: 'csv',
    limits: { maxRows, maxBytes: Infinity },
    split: { maxRowsPerFile: maxRows, parallel: { requested: queries.length, streams: queries.length } },
  });

  /** A folder sink that records the order objects commit in, and can fail the writer of one key. */
  const folder = (failKey?: string) => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-split-'));
    const inner = createLocalFolderSink({ root: dir });
    const committed: string[] = [];
    const sink: Sink = {
      ...inner,
      createWriter(key, options): ObjectWriter {
        if (key === failKey) return failingWriter(key);
        const writer = inner.createWriter(key, options);
        writer.stored.then(
          (stored) => committed.push(stored.key),
          () => {},
        );
        return writer;
      },
    };
    return { sink, committed, files: () => readdirSync(join(dir, 'out')).sort() };
  };

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes full files in order, then the manifest last, listing them with their rows', async () => {
    const { sink, committed, files } = folder();
    const progress: number[] = [];
    const result = await runSplitExport(plan(sink, [table()], 1_000), {
      batchRows: 300,
      onProgress: (p) => progress.push(p.rows),
    });
    expect(files()).toEqual(['manifest.json', 'part-00001.csv', 'part-00002.csv', 'part-00003.csv']);
    expect(committed.at(-1)).toBe('out/manifest.json');
    expect(result.files.map((f) => [f.key, f.rows])).toEqual([
      ['out/part-00001.csv', 1_000],
      ['out/part-00002.csv', 1_000],
      ['out/part-00003.csv', 500],
    ]);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toEqual(result.manifestBody);
    expect(manifest.totals).toEqual({
      files: 3,
      rows: ROWS,
      bytes: result.files.reduce((n, f) => n + f.bytes, 0),
    });
    // Each file is a whole CSV: its own header, then its rows, in the query's order.
    const lines = (name: string) =>
      readFileSync(join(dir, 'out', name), 'utf8')
        .trimEnd()
        .split(/\r?\n/);
    expect(lines('part-00002.csv')[0]).toBe('id,label');
    expect(lines('part-00002.csv')[1]).toBe('1001,row 1001');
    expect(lines('part-00003.csv')).toHaveLength(501);
    expect(progress.at(-1)).toBe(ROWS);
  });

  it('lists several streams’ files by stream, then in the order each wrote them', async () => {
    const { sink } = folder();
    const result = await runSplitExport(
      plan(sink, [table('WHERE id <= 1500'), table('WHERE id > 1500')], 1_000),
      { batchRows: 250 },
    );
    expect(result.files.map((f) => f.rows)).toEqual([1_000, 500, 1_000]);
    const firstIds = result.files.map(
      (f) => readFileSync(join(dir, f.key), 'utf8').split(/\r?\n/)[1]!.split(',')[0],
    );
    expect(firstIds).toEqual(['1', '1001', '1501']);
  });

  it('writes one file (its header) for an empty result, so readers still see the columns', async () => {
    const { sink, files } = folder();
    const result = await runSplitExport(plan(sink, [table('WHERE false')], 1_000), {});
    expect(files()).toEqual(['manifest.json', 'part-00001.csv']);
    expect(result.manifestBody.totals).toMatchObject({ files: 1, rows: 0 });
    expect(readFileSync(join(dir, 'out', 'part-00001.csv'), 'utf8').trimEnd()).toBe('id,label');
  });

  it('deletes every file when the manifest cannot be written, and rejects with that failure', async () => {
    const { sink, committed, files } = folder('out/manifest.json');
    await expect(runSplitExport(plan(sink, [table()], 1_000), {})).rejects.toThrow('manifest refused');
    expect(committed).toHaveLength(3); // the files were whole before they went again
    expect(files()).toEqual([]);
  });

  it('rejects with the caller’s reason when aborted before it starts, leaving nothing', async () => {
    const { sink } = folder();
    const controller = new AbortController();
    controller.abort(new Error('not wanted any more'));
    await expect(runSplitExport(plan(sink, [table()], 1_000), { signal: controller.signal })).rejects.toThrow(
      'not wanted any more',
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** An object writer whose store refuses the object: the stream fails and `stored` rejects after it. */
function failingWriter(key: string): ObjectWriter {
  let reject!: (err: Error) => void;
  const stored = new Promise<StoredObject>((_resolve, rej) => (reject = rej));
  stored.catch(() => {});
  const writer = new Writable({
    write(_chunk, _enc, callback) {
      callback();
    },
    final(callback) {
      const err = new Error(`manifest refused: ${key}`);
      reject(err);
      callback(err);
    },
    destroy(err, callback) {
      if (err) reject(err);
      callback(err);
    },
  });
  return Object.assign(writer, { stored });
}
