import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Env } from '../env.ts';

export function registerDemoCommand(program: Command, env: Env): void {
  program
    .command('demo')
    .description(
      'Generate demo data in an embedded SQLite database, export a table to a local CSV file, and run the seed CSV-generator example on the demo catalog.',
    )
    .option('--rows <n>', 'rows to generate (default 200000)')
    .option('--dir <path>', 'where the database and the export go', 'out')
    .action(async (opts: { rows?: string; dir: string }) => {
      const { parseCount } = await import('../export/parse-where.ts');
      const rows = opts.rows === undefined ? 200_000 : parseCount('--rows', opts.rows);
      // Imported when the command runs, so other commands start without the export machinery.
      const { createDemoDatabase, DEMO_TABLE } = await import('../../demo/footfall.ts');
      const { runMetricsDemo } = await import('../../demo/run-metrics-demo.ts');
      const { exportOnce } = await import('../export/export-once.ts');
      const { describeResult } = await import('../export/summary.ts');
      const dir = resolve(opts.dir);
      mkdirSync(dir, { recursive: true });
      const database = resolve(dir, 'demo.sqlite');
      process.stderr.write(`generating ${rows.toLocaleString('en-US')} rows in ${database}\n`);
      createDemoDatabase(database, rows);
      const result = await exportOnce(
        {
          source: `sqlite:${database}`,
          query: { kind: 'table', table: DEMO_TABLE },
          format: 'csv',
          out: resolve(dir, `${DEMO_TABLE}.csv`),
        },
        env,
      );
      process.stdout.write(describeResult(result) + '\n');
      // Seed 004's CSV generator on the demo catalog: metric queries combined into one CSV.
      const metrics = await runMetricsDemo(dir);
      process.stdout.write(
        `csv generator (seed 004 example, rows of ${metrics.recipient}): ${metrics.rows.toLocaleString('en-US')} rows ` +
          `[${metrics.headings.join(', ')}] → ${metrics.object.uri} (${metrics.object.bytes.toLocaleString('en-US')} bytes, ` +
          `sha256 ${metrics.object.sha256})\n`,
      );
    });
}
