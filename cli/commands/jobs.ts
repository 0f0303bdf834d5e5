import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';
import type { Env } from '../env.ts';
import { positiveInt } from '../config.ts';
import { createJobApi, type JobApi, type JobView } from '../jobs/api-client.ts';
import { progressFrame } from '../jobs/progress-bar.ts';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** SLUICE_API_URL (default http://127.0.0.1:8080) and the caller's token (--token or SLUICE_TOKEN). */
function jobApi(env: Env, opts: { apiUrl?: string; token?: string }): JobApi {
  const token = opts.token ?? env.SLUICE_TOKEN;
  if (!token) throw new SluiceError('USAGE', 'give --token or set SLUICE_TOKEN (see `sluice tokens create`)');
  return createJobApi({ baseUrl: opts.apiUrl ?? env.SLUICE_API_URL ?? 'http://127.0.0.1:8080', token });
}

function row(job: JobView): string {
  return [
    job.id.padEnd(38),
    job.status.padEnd(9),
    (job.format ?? '').padEnd(8),
    job.progress.rows.toLocaleString('en-US').padStart(14),
    `${(job.progress.bytes / 1e6).toFixed(1)} MB`.padStart(11),
    job.created_at,
    job.error ? `${job.error.code}: ${job.error.message}` : '',
  ]
    .join('  ')
    .trimEnd();
}

/**
 * `sluice jobs …`: the caller's jobs through the HTTP job API, so the CLI sees exactly what the token's
 * workspace may see, from anywhere the API is reachable.
 */
export function registerJobsCommand(program: Command, env: Env): void {
  const jobs = program
    .command('jobs')
    .description("Follow the token's workspace's jobs through the job API (SLUICE_API_URL, SLUICE_TOKEN).")
    .option('--api-url <url>', 'the job API (default SLUICE_API_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (default SLUICE_TOKEN)');
  const api = () => jobApi(env, jobs.opts());

  jobs
    .command('list')
    .description('Jobs of your workspace, newest first.')
    .option('--status <status>', 'queued | running | succeeded | failed | cancelled')
    .option('--limit <n>', 'at most this many (1–100)', '20')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts) => {
      const page = await api().list({ status: opts.status, limit: positiveInt('--limit', opts.limit) });
      if (opts.json) process.stdout.write(JSON.stringify(page, null, 2) + '\n');
      else for (const job of page.jobs) process.stdout.write(row(job) + '\n');
    });

  jobs
    .command('show <id>')
    .description('One job as JSON: status, rows and bytes so far, timestamps, error.')
    .action(async (id: string) => {
      process.stdout.write(JSON.stringify(await api().get(id), null, 2) + '\n');
    });

  jobs
    .command('watch <id>')
    .description('A live progress bar until the job finishes; exits 0 if it succeeded, 1 otherwise.')
    .option('--interval <ms>', 'how often to ask', '1000')
    .action(async (id: string, opts) => {
      const client = api();
      const interval = positiveInt('--interval', opts.interval);
      // On a terminal the bar is redrawn in place; piped, each frame is a line (a log of the run).
      const tty = process.stdout.isTTY;
      let job = await client.get(id);
      for (let frame = 0; ; frame += 1) {
        const line = progressFrame(job, frame);
        process.stdout.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
        if (TERMINAL.has(job.status)) break;
        await sleep(interval);
        job = await client.get(id);
      }
      if (tty) process.stdout.write('\n');
      if (job.status !== 'succeeded') {
        throw new SluiceError('JOB_NOT_SUCCEEDED', `job ${job.id} ${job.status}`, {
          details: { status: job.status },
        });
      }
    });

  jobs
    .command('cancel <id>')
    .description('Cancel a queued or running job.')
    .action(async (id: string) => {
      const job = await api().cancel(id);
      process.stdout.write(`${job.id} ${job.status}\n`);
    });

  jobs
    .command('result <id>')
    .description("A fresh download URL of a succeeded job's file; with --output, the file itself.")
    .option('--output <path>', 'download to this file')
    .action(async (id: string, opts) => {
      const { url, expires_at } = await api().result(id);
      if (!opts.output) {
        process.stdout.write(`${url}\n`);
        process.stderr.write(`expires ${expires_at}\n`);
        return;
      }
      const res = await fetch(url);
      if (!res.ok || !res.body)
        throw new SluiceError('SINK_WRITE_FAILED', `download failed: HTTP ${res.status}`, {
          retriable: true,
        });
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(opts.output));
      process.stderr.write(`wrote ${opts.output}\n`);
    });
}
