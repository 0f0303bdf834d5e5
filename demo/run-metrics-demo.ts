import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadDemoCatalog } from '../catalog/catalog.ts';
import { generateCsv } from '../csv-generator/generate-csv.ts';
import { createSqliteSource } from '../dialects/sqlite/source.ts';
import { streamMetricPlan } from '../metrics/run-plan.ts';
import { loadDemoPolicies } from '../security/file-policy-store.ts';
import { createLocalFolderSink } from '../sinks/local-folder.ts';
import type { StoredObject } from '../sinks/sink.ts';
import { loadDemoIntoSqlite } from './load-metrics-demo.ts';
import { SEED_CSV_ACTION } from './seed-csv-request.ts';

export interface MetricsDemoResult {
  object: StoredObject;
  rows: number;
  headings: string[];
  recipient: string;
}

/**
 * The seed's CSV-generator example on the embedded default: the demo facts in a fresh SQLite file, the
 * demo catalog and row policies, the CSV written to a local folder — the same planning, dialect and
 * combining code the workers run, with no server anywhere.
 */
export async function runMetricsDemo(
  dir: string,
  recipient = 'ceo@demo.example',
): Promise<MetricsDemoResult> {
  const filename = join(dir, 'metrics-demo.sqlite');
  rmSync(filename, { force: true });
  const db = new Database(filename);
  try {
    loadDemoIntoSqlite(db);
  } finally {
    db.close();
  }
  const source = createSqliteSource({ filename });
  const writer = createLocalFolderSink({ root: dir }).createWriter('entries-by-day.csv', {
    contentType: 'text/csv; charset=utf-8',
  });
  try {
    const result = await generateCsv(SEED_CSV_ACTION.data.body, {
      catalog: loadDemoCatalog(),
      policies: loadDemoPolicies(),
      audience: { workspaceId: 'demo', recipient },
      runPlan: (plan) => streamMetricPlan(source, plan),
      out: writer,
    });
    writer.end();
    return { object: await writer.stored, rows: result.rows, headings: result.headings, recipient };
  } catch (err) {
    writer.destroy(err as Error);
    await writer.stored.catch(() => {});
    throw err;
  } finally {
    await source.close();
  }
}
