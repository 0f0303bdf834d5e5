import type { JobView } from './api-client.ts';

const WIDTH = 24;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * One frame of `sluice jobs watch`: `[=====>      ] running  1,204,000 rows  118.2 MB  40,113 rows/s`.
 * An export does not know its row count up front, so while it runs the bar is a marker sweeping across
 * (frame by frame), and full once the job has finished.
 */
export function progressFrame(job: JobView, frame: number, now = Date.now()): string {
  const done = job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled';
  let bar: string;
  if (done) bar = (job.status === 'succeeded' ? '=' : 'x').repeat(WIDTH);
  else if (job.status === 'queued') bar = ' '.repeat(WIDTH);
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
  if (job.error) parts.push(`${job.error.code}: ${job.error.message}`);
  return parts.join('  ');
}
