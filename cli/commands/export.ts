import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import type { Query } from '../../dialects/source.ts';
import { FORMATS } from '../../encoders/encoder.ts';
import type { Compression } from '../../pipeline/compression.ts';
import type { Env } from '../env.ts';

// The export machinery (drivers, encoders, the AWS SDK) is imported when the command runs, so other
// commands start without loading it.
export function registerExportCommand(program: Command, env: Env): void {
  program
    .command('export')
    .description('Export one table or query to a file or S3 object, streaming, in constant memory.')
    .requiredOption('--source <url>', 'postgres://…, mysql://…, or sqlite:<path>')
    .option('--table <name>', 'table to export')
    .option('--columns <list>', 'comma-separated columns of --table (default: all)')
    .option('--sql <query>', 'a SELECT to export instead of --table')
    .option('--format <format>', `one of: ${[...FORMATS, 'sql'].join(', ')}`, 'csv')
    .option('--compression <kind>', 'text formats: none | gzip | zstd', 'none')
    .requiredOption('--out <target>', 'file://path, a path, or s3://bucket/key')
    .option('--no-header', 'csv: omit the header line')
    .option('--delimiter <char>', 'csv: field delimiter', ',')
    .action(async (opts) => {
      if (Boolean(opts.table) === Boolean(opts.sql)) {
        throw new SluiceError('USAGE', 'give exactly one of --table or --sql');
      }
      const query: Query = opts.table
        ? { kind: 'table', table: opts.table, columns: opts.columns?.split(',').map((c: string) => c.trim()) }
        : { kind: 'sql', sql: opts.sql };
      const { exportOnce, describeResult } = await import('../export-once.ts');
      const result = await exportOnce(
        {
          source: opts.source,
          query,
          format: opts.format,
          out: opts.out,
          header: opts.header,
          delimiter: opts.delimiter,
          compression: opts.compression as Compression,
        },
        env,
      );
      process.stdout.write(describeResult(result) + '\n');
    });
}
