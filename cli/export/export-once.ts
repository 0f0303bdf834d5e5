import { openSource } from '../../dialects/open-source.ts';
import type { Query } from '../../dialects/source.ts';
import type { LineEnding } from '../../encoders/encoder.ts';
import type { Compression } from '../../pipeline/compression.ts';
import type { Progress } from '../../pipeline/progress.ts';
import { runFormatExport, type FormatExportResult } from '../../pipeline/run-format-export.ts';
import { checkOptions } from '../../planning/check-options.ts';
import { invalidFields, type FieldError } from '../../schemas/parse-contract.ts';
import type { Env } from '../env.ts';
import { resolveOutputTarget, type OutputTarget } from './output-target.ts';
import { createProgressLine } from './progress-line.ts';

export interface OneShotExport {
  source: string;
  query: Query;
  format: string;
  out: string;
  header?: boolean;
  delimiter?: string;
  lineEnding?: LineEnding;
  compression?: Compression;
  noClobber?: boolean;
  /** Draw the progress line on a terminal (default true). */
  progress?: boolean;
}

export interface OneShotResult extends FormatExportResult {
  elapsedMs: number;
  target: OutputTarget['kind'];
}

export interface OneShotOptions {
  signal?: AbortSignal;
  /** Hears every progress report, terminal or not (the CLI counts rows for `interrupted after N rows`). */
  onProgress?: (p: Progress) => void;
}

/** The one-shot path: the same Source, Encoder and Sink the worker uses, without Kafka or a job store. */
export async function exportOnce(
  spec: OneShotExport,
  env: Env,
  { signal, onProgress }: OneShotOptions = {},
): Promise<OneShotResult> {
  // The same option rules as every planned export; the one-shot path has no grants (the operator holds the URL).
  const errors: FieldError[] = [];
  checkOptions(
    {
      format: spec.format,
      query: spec.query,
      options: {
        ...(spec.compression ? { compression: spec.compression } : {}),
        ...(spec.delimiter !== undefined && spec.format === 'csv' ? { delimiter: spec.delimiter } : {}),
      },
    },
    errors,
  );
  if (errors.length > 0) throw invalidFields(errors);
  const target = await resolveOutputTarget(spec.out, env, { noClobber: spec.noClobber ?? false });
  try {
    await target.assertAbsent();
    const source = openSource(spec.source);
    let totalRows: number | undefined;
    const line = spec.progress === false ? undefined : createProgressLine(process.stderr, () => totalRows);
    if (line && source.estimateRows) {
      // Cheap by contract; a failure only costs the % and ETA, never the export.
      source.estimateRows(spec.query).then(
        (n) => (totalRows = n),
        () => {},
      );
    }
    const started = performance.now();
    try {
      const result = await runFormatExport(
        {
          source,
          query: spec.query,
          format: spec.format,
          compression: spec.compression,
          encoderOptions: {
            header: spec.header ?? true,
            delimiter: spec.delimiter ?? ',',
            lineEnding: spec.lineEnding ?? 'crlf',
          },
          sink: target.sink,
          keyFor: () => target.key, // the caller named the file
        },
        {
          signal,
          onProgress: (p) => {
            onProgress?.(p);
            line?.(p);
          },
        },
      );
      return { ...result, elapsedMs: performance.now() - started, target: target.kind };
    } finally {
      if (line) process.stderr.write('\n');
      await source.close();
    }
  } finally {
    target.close();
  }
}
