import { openSource } from '../dialects/open-source.ts';
import type { Query } from '../dialects/source.ts';
import type { Compression } from '../pipeline/compression.ts';
import { runFormatExport, type FormatExportResult } from '../pipeline/run-format-export.ts';
import { checkOptions } from '../planning/check-options.ts';
import { invalidFields, type FieldError } from '../schemas/parse-contract.ts';
import type { Env } from './env.ts';
import { resolveOutputTarget } from './output-target.ts';
import { createProgressLine, formatProgress } from './progress-line.ts';

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
  // The same option rules as every planned export; the one-shot path has no grants (the operator holds the URL).
  const errors: FieldError[] = [];
  checkOptions(
    {
      format: spec.format,
      query: spec.query,
      options: {
        ...(spec.compression ? { compression: spec.compression } : {}),
        // The command's default delimiter comes with every format; it only means something for csv.
        ...(spec.delimiter !== undefined && spec.format === 'csv' ? { delimiter: spec.delimiter } : {}),
      },
    },
    errors,
  );
  if (errors.length > 0) throw invalidFields(errors);
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
