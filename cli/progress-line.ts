import type { Progress } from '../pipeline/progress.ts';

/** `1,204,000 rows  118.2 MB  402,113 rows/s` — redrawn in place on a terminal, silent otherwise. */
export function createProgressLine(stream: NodeJS.WriteStream): ((p: Progress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (p) => stream.write(`\r\x1b[K${formatProgress(p)}`);
}

export function formatProgress({ rows, bytes, elapsedMs }: Progress): string {
  const rate = elapsedMs > 0 ? Math.round((rows * 1000) / elapsedMs) : 0;
  return `${rows.toLocaleString('en-US')} rows  ${(bytes / 1e6).toFixed(1)} MB  ${rate.toLocaleString('en-US')} rows/s`;
}
