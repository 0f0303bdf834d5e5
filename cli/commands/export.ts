import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import { openSource } from '../../dialects/open-source.ts';
import type { Query } from '../../dialects/source.ts';
import { encoderFor, formats } from '../../encoders/index.ts';
import { runExport, type ExportResult } from '../../pipeline/run-export.ts';
import type { Env } from '../env.ts';
import { resolveOutputTarget } from '../output-target.ts';
import { createProgressLine, formatProgress } from '../progress-line.ts';

export interface OneShotExport {
  source: string;
  query: Query;
  format: string;
  out: string;
  header?: boolean;
  delimiter?: string;
}

/** The one-shot path: the same Source, Encoder and Sink the worker uses, without Kafka or a job store. */
export async function exportOnce(spec: OneShotExport, env: Env, signal?: AbortSignal): Promise<ExportResult> {
  const encoder = encoderFor(spec.format);
  const source = openSource(spec.source);
  const target = resolveOutputTarget(spec.out, env);
  const progress = createProgressLine(process.stderr);
  try {
    return await runExport(
      {
        source,
        query: spec.query,
        encoder,
        encoderOptions: { header: spec.header ?? true, delimiter: spec.delimiter ?? ',' },
        sink: target.sink,
        key: target.key,
      },
      { signal, onProgress: progress },
    );
  } finally {
    if (progress) process.stderr.write('\n');
    target.close();
    await source.close();
  }
}

export function describeResult(result: ExportResult): string {
  return [
    `wrote ${result.object.uri}`,
    `  ${formatProgress({ rows: result.rows, bytes: result.object.bytes, elapsedMs: result.elapsedMs })}`,
    `  sha256 ${result.object.sha256}`,
  ].join('\n');
}

export function registerExportCommand(program: Command, env: Env): void {
  program
    .command('export')
    .description('Export one table or query to a file or S3 object, streaming, in constant memory.')
    .requiredOption('--source <url>', 'sqlite:<path>')
    .option('--table <name>', 'table to export')
    .option('--columns <list>', 'comma-separated columns of --table (default: all)')
    .option('--sql <query>', 'a SELECT to export instead of --table')
    .option('--format <format>', `one of: ${formats.join(', ')}`, 'csv')
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
      const result = await exportOnce(
        {
          source: opts.source,
          query,
          format: opts.format,
          out: opts.out,
          header: opts.header,
          delimiter: opts.delimiter,
        },
        env,
      );
      process.stdout.write(describeResult(result) + '\n');
    });
}
