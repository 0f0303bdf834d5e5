import { SluiceError } from '../../core/errors.ts';
import type { Env } from '../env.ts';
import { listenForInterrupt } from '../interrupt.ts';
import { exportOnce } from './export-once.ts';
import type { ExportSpec } from './export-options.ts';
import { describeResult, resultJson } from './summary.ts';

/**
 * `sluice export` once its flags are checked. The summary goes to stdout, or to stderr when stdout carries
 * the data (`--out -`); `--json` makes it one JSON line, `--quiet` drops it and the progress line.
 */
export async function runExportCommand(spec: ExportSpec, env: Env): Promise<void> {
  const interrupt = listenForInterrupt();
  let rows = 0;
  try {
    const result = await exportOnce(
      {
        source: spec.source,
        query: spec.query,
        format: spec.format,
        out: spec.out,
        header: spec.header,
        delimiter: spec.delimiter,
        lineEnding: spec.lineEnding,
        compression: spec.compression,
        noClobber: spec.noClobber,
        progress: spec.output !== 'quiet',
      },
      env,
      { signal: interrupt.signal, onProgress: (p) => (rows = p.rows) },
    );
    const report = spec.out === '-' ? process.stderr : process.stdout;
    if (spec.output === 'json') report.write(resultJson(result, spec) + '\n');
    else if (spec.output === 'text') report.write(describeResult(result) + '\n');
  } catch (err) {
    const signal = interrupt.received();
    if (signal) {
      throw new SluiceError(
        'INTERRUPTED',
        `interrupted after ${rows.toLocaleString('en-US')} rows (${signal})`,
        {
          details: { signal, rows },
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    interrupt.dispose();
  }
}
