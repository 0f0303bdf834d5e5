import type { JobView } from './api-client.ts';

const WIDTH = 24;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/**
 * One frame of `sluice jobs watch`: `[=====>      ] running  1,204,000 rows  118.2 MB  40,113 rows/s`.
 * When the API knows the expected rows (a whole-table export) the bar fills to that, with a % and an ETA;
 * otherwise the bar is a marker sweeping across (frame by frame), and full once the job has finished.
 */
export function progressFrame(job: JobView, frame: number, now = Date.now()): string {
  const expected = job.progress.expected_rows ?? undefined;
  const done = job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';
  let bar: string;
  if (done) bar = (job.status === 'succeeded' ? '=' : 'x').repeat(WIDTH);
  else if (job.status === 'queued') bar = ' '.repeat(WIDTH);
  else if (expected)
    bar = '='.repeat(Math.floor(WIDTH * fraction(job.progress.rows, expected))).padEnd(WIDTH);
  else {
    const at = frame % (2 * (WIDTH - 3));
    const pos = at < WIDTH - 3 ? at : 2 * (WIDTH - 3) - at;
    bar = ' '.repeat(pos) + '<=>' + ' '.repeat(WIDTH - 3 - pos);
  }
  const startedMs = job.started_at ? Date.parse(job.started_at) : undefined;
  const endMs = job.finished_at ? Date.parse(job.finished_at) : now;
  const elapsed = startedMs !== undefined ? Math.max(0, endMs - startedMs) / 1000 : 0;
  const rate = elapsed > 0 ? Math.round(job.progress.rows / elapsed) : 0;
  const parts = [
    `[${bar}]`,
    job.status.padEnd(9),
    `${job.progress.rows.toLocaleString('en-US')} rows`,
    megabytes(job.progress.bytes),
    `${rate.toLocaleString('en-US')} rows/s`,
  ];
  if (job.status === 'running' && expected) {
    parts.push(`${Math.floor(100 * fraction(job.progress.rows, expected))}%`);
    if (rate > 0) parts.push(`ETA ${duration(Math.max(0, expected - job.progress.rows) / rate)}`);
  }
  if (job.error) parts.push(`${job.error.code}: ${job.error.message}`);
  return parts.join('  ');
}

/** An estimate can be below the rows already written (statistics lag): never past 100%. */
function fraction(rows: number, expected: number): number {
  return Math.min(1, Math.max(0, rows / expected));
}
