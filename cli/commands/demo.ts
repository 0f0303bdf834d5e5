import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createDemoDatabase, DEMO_TABLE } from '../../demo/footfall.ts';
import type { Env } from '../env.ts';
import { describeResult, exportOnce } from './export.ts';

export function registerDemoCommand(program: Command, env: Env): void {
  program
    .command('demo')
    .description('Generate a demo table in an embedded SQLite database and export it to a local CSV file.')
    .option('--rows <n>', 'rows to generate', (v) => Number.parseInt(v, 10), 200_000)
    .option('--dir <path>', 'where the database and the export go', 'out')
    .action(async (opts: { rows: number; dir: string }) => {
      const dir = resolve(opts.dir);
      mkdirSync(dir, { recursive: true });
      const database = resolve(dir, 'demo.sqlite');
      process.stderr.write(`generating ${opts.rows.toLocaleString('en-US')} rows in ${database}\n`);
      createDemoDatabase(database, opts.rows);
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
    });
}
