import type { OneShotResult } from './export-once.ts';
import { formatProgress } from './progress-line.ts';

/** What a person reads after an export. */
export function describeResult(result: OneShotResult): string {
  return [
    `wrote ${result.object.uri === 'stdout:' ? 'standard output' : result.object.uri}`,
    `  ${formatProgress({ rows: result.rows, bytes: result.object.bytes, elapsedMs: result.elapsedMs })}`,
    `  sha256 ${result.object.sha256}`,
  ].join('\n');
}

/** What a script reads after `--json`: one JSON object, one line; bytes exact, seconds to the millisecond. */
export function resultJson(result: OneShotResult, spec: { format: string; compression: string }): string {
  return JSON.stringify({
    target: result.object.uri === 'stdout:' ? '-' : result.object.uri,
    rows: result.rows,
    bytes: result.object.bytes,
    sha256: result.object.sha256,
    seconds: Math.round(result.elapsedMs) / 1000,
    format: spec.format,
    compression: spec.compression,
    contentType: result.object.contentType,
    columns: result.columns.map((c) => ({ name: c.name, type: c.type })),
  });
}
