import { Option, type Command } from 'commander';
import type { Env } from '../env.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

// The export machinery (drivers, encoders, the AWS SDK) is imported when the command runs, so other
// commands and --help start without loading it.
export function registerExportCommand(program: Command, env: Env): void {
  program
    .command('export')
    .description('Export one table or query to a file, standard output or an S3 object, streaming.')
    .requiredOption('--source <url>', 'postgres://…, mysql://…, mariadb://…, sqlite:<path> or duckdb:<path>')
    .option('--table <name>', 'table to export (schema.table allowed)')
    .option('--columns <list>', '--table: comma-separated columns (default: all)')
    .option('--where <condition>', '--table: "column op value", repeatable (ANDed); see README', collect)
    .option('--order-by <list>', '--table: column[:asc|desc],…')
    .option('--limit <n>', '--table: at most n rows')
    .option('--sql <query>', 'a SELECT to export instead of --table')
    .addOption(
      new Option('--format <format>', 'default: from --out’s extension, else csv').choices([
        'csv',
        'ndjson',
        'json',
        'parquet',
        'arrow',
        'arrow-file',
        'sql',
      ]),
    )
    .addOption(
      new Option('--compression <kind>', 'text formats; default: from --out (.gz, .zst), else none').choices([
        'none',
        'gzip',
        'zstd',
      ]),
    )
    .requiredOption('--out <target>', '- (standard output), a path, file://… or s3://bucket/key')
    .option('--no-clobber', 'fail (TARGET_EXISTS) rather than replace an existing file or object')
    .option('--no-header', 'csv: omit the header line')
    .option('--delimiter <char>', 'csv: field delimiter (default ,)')
    .addOption(new Option('--line-ending <eol>', 'csv: row ends (default crlf)').choices(['crlf', 'lf']))
    .option('--json', 'print the result as one JSON line: target, rows, bytes, sha256, seconds')
    .option('-q, --quiet', 'no progress line and no summary; failures are still reported')
    .action(async (flags) => {
      const { parseExportFlags } = await import('../export/export-options.ts');
      const spec = parseExportFlags(flags);
      await (await import('../export/run-export-command.ts')).runExportCommand(spec, env);
    });
}
