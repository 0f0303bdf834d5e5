import type { Progress } from '../../pipeline/progress.ts';

/**
 * `1,204,000 rows  118.2 MB  402,113 rows/s  0:03` and, when the row count is known or estimated,
 * `  61% ETA 0:02` — redrawn in place on a terminal, silent otherwise.
 */
export function createProgressLine(
  stream: NodeJS.WriteStream,
  totalRows: () => number | undefined,
): ((p: Progress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  return (p) => stream.write(`\r\x1b[K${formatProgress(p, totalRows())}`);
}

export function formatProgress({ rows, bytes, elapsedMs }: Progress, totalRows?: number): string {
  const rate = elapsedMs > 0 ? (rows * 1000) / elapsedMs : 0;
  let line =
    `${rows.toLocaleString('en-US')} rows  ${(bytes / 1e6).toFixed(1)} MB  ` +
    `${Math.round(rate).toLocaleString('en-US')} rows/s  ${clock(elapsedMs)}`;
  if (totalRows !== undefined && totalRows > 0) {
    // An estimate (PostgreSQL's statistics) can be passed; the line then says so instead of showing 104%.
    const share = rows / totalRows;
    if (share <= 1) {
      const eta = rate > 0 ? ((totalRows - rows) / rate) * 1000 : undefined;
      line += `  ${Math.floor(share * 100)}%${eta !== undefined ? ` ETA ${clock(eta)}` : ''}`;
    } else line += '  (past the estimate)';
  }
  return line;
}

/** `m:ss`, or `h:mm:ss` past an hour. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
