import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a job run ended, as the worker saw it. */
export type RunOutcome = 'succeeded' | 'failed' | 'retrying' | 'stopped' | 'released';

export interface JobRunObserver {
  /** Rows and bytes so far (cumulative); `firstByteMs` once the first encoded byte was written. */
  progress(p: { rows: number; bytes: number; firstByteMs?: number }): void;
  finished(outcome: RunOutcome): void;
}

/** What the worker tells the metrics about each job it runs; a no-op when metrics are off. */
export interface JobObserver {
  started(job: { workspaceId: string; format: string }): JobRunObserver;
}

export interface ConsumerLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface WorkerMetrics {
  registry: Registry;
  observer: JobObserver;
  /** S3 UploadPart requests sent again by the SDK's retry strategy. */
  partRetries: Counter;
}

/** Seconds, from a quick CSV of a few rows to a 100M-row export (bench/: ~14 min). */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const FIRST_BYTE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The worker's metrics. Rows and bytes are counted as they stream (so `rate()` shows live throughput, not a
 * step when a long export ends); consumer lag is read from the broker at scrape time by `readLag`.
 */
export function createWorkerMetrics({
  readLag,
}: {
  readLag?: () => Promise<ConsumerLag[]>;
} = {}): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_worker_' });
  const registers = [registry];

  const rows = new Counter({
    name: 'sluice_export_rows_total',
    help: 'Rows exported, counted as they stream, by format and workspace',
    labelNames: ['format', 'workspace'] as const,
    registers,
  });
  const bytes = new Counter({
    name: 'sluice_export_bytes_total',
    help: 'Encoded bytes exported (before upload), counted as they stream, by format and workspace',
    labelNames: ['format', 'workspace'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'sluice_export_duration_seconds',
    help: 'Run time of a job from claim to outcome, by format and outcome',
    labelNames: ['format', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const firstByte = new Histogram({
    name: 'sluice_export_first_byte_seconds',
    help: 'Time from a job starting to its first encoded byte, by format',
    labelNames: ['format'] as const,
    buckets: FIRST_BYTE_BUCKETS,
    registers,
  });
  const finished = new Counter({
    name: 'sluice_jobs_finished_total',
    help: 'Job runs this worker ended, by outcome, format and workspace',
    labelNames: ['outcome', 'format', 'workspace'] as const,
    registers,
  });
  const running = new Gauge({
    name: 'sluice_worker_jobs_running',
    help: 'Jobs this worker is running now',
    registers,
  });
  const partRetries = new Counter({
    name: 'sluice_s3_part_retries_total',
    help: 'S3 UploadPart requests the SDK retried (attempts beyond the first)',
    registers,
  });
  if (readLag) {
    new Gauge({
      name: 'sluice_consumer_lag',
      help: 'Records on the requests topic not yet committed by this worker group, by partition',
      labelNames: ['topic', 'partition'] as const,
      registers,
      async collect() {
        const lags = await readLag();
        this.reset();
        for (const l of lags) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    });
  }

  const observer: JobObserver = {
    started({ workspaceId, format }) {
      const started = performance.now();
      const labels = { format, workspace: workspaceId };
      let seen = { rows: 0, bytes: 0 };
      let firstByteSeen = false;
      let done = false;
      running.inc();
      return {
        progress(p) {
          // A retried run restarts at zero: only growth is counted, so a counter never goes back.
          if (p.rows > seen.rows) rows.inc(labels, p.rows - seen.rows);
          if (p.bytes > seen.bytes) bytes.inc(labels, p.bytes - seen.bytes);
          seen = { rows: Math.max(seen.rows, p.rows), bytes: Math.max(seen.bytes, p.bytes) };
          if (!firstByteSeen && p.firstByteMs !== undefined) {
            firstByteSeen = true;
            firstByte.observe({ format }, p.firstByteMs / 1000);
          }
        },
        finished(outcome) {
          if (done) return;
          done = true;
          running.dec();
          duration.observe({ format, outcome }, (performance.now() - started) / 1000);
          finished.inc({ outcome, ...labels });
        },
      };
    },
  };
  return { registry, observer, partRetries };
}

export const noopJobObserver: JobObserver = {
  started: () => ({ progress() {}, finished() {} }),
};
