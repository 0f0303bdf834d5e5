import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { runMetricsDemo } from '../../demo/run-metrics-demo.ts';

// The embedded default runs the seed's CSV-generator example with no server: SQLite, a local folder.
describe('metrics demo (seed 004 example on embedded SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the seed’s columns with the sums an independent query computes', async () => {
    const result = await runMetricsDemo(dir);
    const rows = parse(readFileSync(join(dir, 'entries-by-day.csv'))) as string[][];
    expect(rows[0]).toEqual(['Date', 'Entries']);
    expect(result).toMatchObject({ rows: 30, headings: ['Date', 'Entries'] });
    const db = new Database(join(dir, 'metrics-demo.sqlite'), { readonly: true });
    const truth = db
      .prepare(
        `SELECT substr(observed_at, 1, 10) AS day, sum(entries) AS entries FROM footfall_hourly
          WHERE location_id = ? AND observed_at >= '2024-04-01' AND observed_at < '2024-05-01'
          GROUP BY 1 ORDER BY 1`,
      )
      .all('64a1b2c3d4e5f6a7b8c9d0e3') as { day: string; entries: number }[];
    db.close();
    expect(rows.slice(1)).toEqual(truth.map((t) => [t.day, String(t.entries)]));
  });

  it('applies the recipient’s row policies: someone without one gets the header only', async () => {
    const result = await runMetricsDemo(dir, 'stranger@demo.example');
    expect(result.rows).toBe(0);
    expect(readFileSync(join(dir, 'entries-by-day.csv'), 'utf8')).toBe('Date,Entries\r\n');
  });
});
