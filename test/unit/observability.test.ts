import { describe, expect, it } from 'vitest';
import { progressFrame } from '../../cli/jobs/progress-bar.ts';
import type { JobView } from '../../cli/jobs/api-client.ts';
import { childContext, formatTraceparent, parseTraceparent } from '../../observability/trace-context.ts';
import { createWorkerMetrics } from '../../observability/worker-metrics.ts';
import { createProgressMeter, type Progress } from '../../pipeline/progress.ts';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';

describe('traceparent', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const cases: { name: string; header: string | undefined; ok: boolean }[] = [
    { name: 'the spec example', header: valid, ok: true },
    { name: 'upper case is read as lower', header: valid.toUpperCase(), ok: true },
    { name: 'missing', header: undefined, ok: false },
    {
      name: 'an all-zero trace id',
      header: '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      ok: false,
    },
    {
      name: 'an all-zero parent id',
      header: '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      ok: false,
    },
    { name: 'a short trace id', header: '00-4bf92f3577b34da6-00f067aa0ba902b7-01', ok: false },
    { name: 'another version', header: 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', ok: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.ok ? 'continued' : 'ignored'}`, () => {
      expect(parseTraceparent(c.header) !== undefined).toBe(c.ok);
    });
  }

  it('a child keeps the trace id and flags, with a span id of its own', () => {
    const parent = parseTraceparent(valid)!;
    const child = childContext(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.flags).toBe('01');
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(parent.spanId);
    expect(parseTraceparent(formatTraceparent(child))).toEqual(child);
  });

  it('without a parent a new trace starts', () => {
    const a = childContext(undefined);
    expect(parseTraceparent(formatTraceparent(a))).toEqual(a);
    expect(childContext(undefined).traceId).not.toBe(a.traceId);
  });
});

describe('worker metrics', () => {
  const sample = async (registry: { metrics(): Promise<string> }, line: string) => {
    const text = await registry.metrics();
    const found = text.split('\n').find((l) => l.startsWith(line + ' '));
    return found === undefined ? undefined : Number(found.slice(line.length + 1));
  };

  it('counts rows and bytes as they grow, and one duration and first byte per run', async () => {
    const { registry, observer } = createWorkerMetrics();
    const run = observer.started({ workspaceId: 'w1', format: 'csv' });
    run.progress({ rows: 10, bytes: 100, firstByteMs: 40 });
    run.progress({ rows: 25, bytes: 300, firstByteMs: 40 });
    // A restarted attempt reports from zero again: the counters do not go back, nor count twice.
    run.progress({ rows: 5, bytes: 50 });
    run.finished('succeeded');
    run.finished('failed');
    expect(await sample(registry, 'sluice_export_rows_total{format="csv",workspace="w1"}')).toBe(25);
    expect(await sample(registry, 'sluice_export_bytes_total{format="csv",workspace="w1"}')).toBe(300);
    expect(await sample(registry, 'sluice_export_first_byte_seconds_count{format="csv"}')).toBe(1);
    expect(await sample(registry, 'sluice_export_first_byte_seconds_bucket{le="0.05",format="csv"}')).toBe(1);
    expect(
      await sample(registry, 'sluice_export_duration_seconds_count{format="csv",outcome="succeeded"}'),
    ).toBe(1);
    expect(
      await sample(registry, 'sluice_jobs_finished_total{outcome="succeeded",format="csv",workspace="w1"}'),
    ).toBe(1);
    expect(
      await sample(registry, 'sluice_jobs_finished_total{outcome="failed",format="csv",workspace="w1"}'),
    ).toBe(undefined);
    expect(await sample(registry, 'sluice_worker_jobs_running')).toBe(0);
  });

  it('reads consumer lag at scrape time', async () => {
    let lag = 7;
    const { registry } = createWorkerMetrics({
      readLag: async () => [{ topic: 'sluice.export.requests', partition: 2, lag }],
    });
    expect(await sample(registry, 'sluice_consumer_lag{topic="sluice.export.requests",partition="2"}')).toBe(
      7,
    );
    lag = 0;
    expect(await sample(registry, 'sluice_consumer_lag{topic="sluice.export.requests",partition="2"}')).toBe(
      0,
    );
  });
});

describe('progress meter: first byte', () => {
  it('reports the first encoded byte at once, however long the interval', async () => {
    const heard: Progress[] = [];
    const meter = createProgressMeter((p) => heard.push(p), 60_000);
    await pipeline(
      Readable.from([Buffer.from('a,b\n'), Buffer.from('c,d\n')]),
      meter.bytes,
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    // The first byte, then the end.
    expect(heard).toHaveLength(2);
    expect(heard[0]!.bytes).toBe(4);
    expect(heard[0]!.firstByteMs).toBeGreaterThanOrEqual(0);
    expect(heard[1]!.bytes).toBe(8);
    expect(heard[1]!.firstByteMs).toBe(heard[0]!.firstByteMs);
  });
});

describe('sluice jobs watch: progress frames', () => {
  const base: JobView = {
    id: 'j1',
    status: 'running',
    format: 'csv',
    progress: { rows: 120_000, bytes: 5_000_000 },
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: null,
  };
  const now = Date.parse('2026-01-01T00:00:10.000Z');

  it('a running job: a sweeping marker, rows, bytes and the rate since it started', () => {
    const a = progressFrame(base, 0, now);
    const b = progressFrame(base, 5, now);
    expect(a).toBe('[<=>                     ]  running    120,000 rows  5.0 MB  12,000 rows/s');
    expect(b.indexOf('<=>')).toBe(a.indexOf('<=>') + 5);
  });

  it('a running job with expected rows: a bar filled that far, the % and the time left at the rate so far', () => {
    const known = { ...base, progress: { ...base.progress, expected_rows: 480_000 } };
    expect(progressFrame(known, 7, now)).toBe(
      `[${'='.repeat(6)}${' '.repeat(18)}]  running    120,000 rows  5.0 MB  12,000 rows/s  25%  ETA 30 s`,
    );
    // Planner statistics can lag behind the table: never past a full bar or 100%.
    const under = { ...base, progress: { ...base.progress, expected_rows: 100_000 } };
    expect(progressFrame(under, 0, now)).toContain(`[${'='.repeat(24)}]  running`);
    expect(progressFrame(under, 0, now)).toMatch(/100% {2}ETA 0 s$/);
  });

  it('a finished job: a full bar, and the error when it failed', () => {
    const done = { ...base, finished_at: '2026-01-01T00:00:04.000Z' };
    expect(progressFrame({ ...done, status: 'succeeded' }, 3, now)).toBe(
      `[${'='.repeat(24)}]  succeeded  120,000 rows  5.0 MB  30,000 rows/s`,
    );
    expect(
      progressFrame(
        { ...done, status: 'failed', error: { code: 'QUERY_FAILED', message: 'boom', retriable: false } },
        3,
        now,
      ),
    ).toContain(`[${'x'.repeat(24)}]  failed     120,000 rows  5.0 MB  30,000 rows/s  QUERY_FAILED: boom`);
  });
});

describe('metrics endpoint', () => {
  it('a port already taken is a CONFIG_INVALID naming it, not a crash later', async () => {
    const { startMetricsEndpoint } = await import('../../observability/metrics-endpoint.ts');
    const { registry } = createWorkerMetrics();
    const first = await startMetricsEndpoint(registry, { host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${first.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('sluice_worker_jobs_running 0');
      await expect(
        startMetricsEndpoint(registry, { host: '127.0.0.1', port: first.port }),
      ).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(`127.0.0.1:${first.port} (EADDRINUSE)`),
      });
    } finally {
      await first.stop();
    }
  });
});
