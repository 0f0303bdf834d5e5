import { describe, expect, it } from 'vitest';
import { settleBy, type StopReport } from '../../core/deadline.ts';
import { silentLogger } from '../../core/logger.ts';

describe('settleBy: a shutdown step bounded by a deadline', () => {
  it('waits for a step that finishes in time, and names nothing', async () => {
    const report: StopReport = { unfinished: [] };
    let done = false;
    await settleBy('quick', async () => void (done = true), Date.now() + 1_000, silentLogger, report);
    expect(done).toBe(true);
    expect(report.unfinished).toEqual([]);
  });

  it('gives up on a step that never settles once the deadline passes, and names it', async () => {
    const report: StopReport = { unfinished: [] };
    await settleBy('hangs', new Promise(() => {}), Date.now() + 50, silentLogger, report);
    expect(report.unfinished).toEqual(['hangs']);
  });

  it('a step that fails is finished (logged, not named); a late rejection is not left unhandled', async () => {
    const report: StopReport = { unfinished: [] };
    await settleBy(
      'refused',
      () => Promise.reject(new Error('ECONNREFUSED')),
      Date.now() + 1_000,
      silentLogger,
      report,
    );
    let reject!: (err: Error) => void;
    const late = new Promise((_, r) => (reject = r));
    await settleBy('late', late, Date.now() + 20, silentLogger, report);
    reject(new Error('too late')); // an unhandled rejection would fail the run
    await new Promise((r) => setTimeout(r, 10));
    expect(report.unfinished).toEqual(['late']);
  });
});
