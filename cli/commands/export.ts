import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import { openSource } from '../../dialects/open-source.ts';
import type { Query } from '../../dialects/source.ts';
import { formats } from '../../encoders/index.ts';
import type { Compression } from '../../pipeline/compression.ts';
import { runFormatExport, type FormatExportResult } from '../../pipeline/run-format-export.ts';
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
  compression?: Compression;
}

export interface OneShotResult extends FormatExportResult {
  elapsedMs: number;
}

/** The one-shot path: the same Source, Encoder and Sink the worker uses, without Kafka or a job store. */
export async function exportOnce(
  spec: OneShotExport,
  env: Env,
  signal?: AbortSignal,
): Promise<OneShotResult> {
  const source = openSource(spec.source);
  const target = resolveOutputTarget(spec.out, env);
  const progress = createProgressLine(process.stderr);
  const started = performance.now();
  try {
    const result = await runFormatExport(
      {
        source,
        query: spec.query,
        format: spec.format,
        compression: spec.compression,
        encoderOptions: { header: spec.header ?? true, delimiter: spec.delimiter ?? ',' },
        sink: target.sink,
        keyFor: () => target.key, // the caller named the file
      },
      { signal, onProgress: progress },
    );
    return { ...result, elapsedMs: performance.now() - started };
  } finally {
    if (progress) process.stderr.write('\n');
    target.close();
    await source.close();
  }
}

export function describeResult(result: OneShotResult): string {
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
    .requiredOption('--source <url>', 'postgres://…, mysql://…, or sqlite:<path>')
    .option('--table <name>', 'table to export')
    .option('--columns <list>', 'comma-separated columns of --table (default: all)')
    .option('--sql <query>', 'a SELECT to export instead of --table')
    .option('--format <format>', `one of: ${[...formats, 'sql'].join(', ')}`, 'csv')
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
      const result = await exportOnce(
        {
          source: opts.source,
          query,
          format: opts.format,
          out: opts.out,
          header: opts.header,
          delimiter: opts.delimiter,
          compression: opts.compression,
        },
        env,
      );
      process.stdout.write(describeResult(result) + '\n');
    });
}
