import { describe, expect, it } from 'vitest';
import { createBatchQueue } from '../../dialects/mysql/batches.ts';

/** A producer like mysql2's: emits rows until paused, synchronously again on resume. */
function producer(total: number, batchRows: number, readAhead: number) {
  let next = 0;
  let paused = false;
  let maxBuffered = 0;
  const queue = createBatchQueue({
    batchRows,
    readAhead,
    pause: () => (paused = true),
    resume: () => {
      paused = false;
      run();
    },
  });
  function run() {
    while (!paused && next < total) {
      queue.push([next++]);
      maxBuffered = Math.max(maxBuffered, queue.bufferedRows);
    }
    if (next === total && !paused) queue.end();
  }
  return { queue, run, stats: () => ({ produced: next, maxBuffered, paused }) };
}

describe('batch queue (rows in, bounded batches out)', () => {
  it('hands out every row once, in order, in batches of at most batchRows', async () => {
    const p = producer(10_500, 1000, 2);
    p.run();
    const sizes: number[] = [];
    const rows: unknown[] = [];
    for (let b = await p.queue.take(); b !== null; b = await p.queue.take()) {
      sizes.push(b.length);
      rows.push(...b.map((r) => r[0]));
    }
    expect(sizes).toStrictEqual([...Array(10).fill(1000), 500]);
    expect(rows).toStrictEqual(Array.from({ length: 10_500 }, (_, i) => i));
  });

  it('pauses the producer once readAhead batches wait, whatever the total', async () => {
    const p = producer(1_000_000, 100, 2);
    p.run();
    expect(p.stats()).toStrictEqual({ produced: 200, maxBuffered: 200, paused: true });
    await p.queue.take();
    // Taking one resumes the producer until two batches wait again.
    expect(p.stats()).toMatchObject({ produced: 300, paused: true });
    let batches = 1;
    while ((await p.queue.take()) !== null) batches++;
    expect(batches).toBe(10_000);
    expect(p.stats().maxBuffered).toBeLessThanOrEqual(200);
  });

  it('a consumer already waiting takes a batch as soon as it is full', async () => {
    const q = createBatchQueue({ batchRows: 2, readAhead: 1, pause: () => {}, resume: () => {} });
    const pending = q.take();
    q.push([1]);
    q.push([2]);
    await expect(pending).resolves.toStrictEqual([[1], [2]]);
  });

  it('end() flushes the partial batch; an empty result is just null', async () => {
    const q = createBatchQueue({ batchRows: 10, readAhead: 2, pause: () => {}, resume: () => {} });
    q.push([1]);
    q.end();
    await expect(q.take()).resolves.toStrictEqual([[1]]);
    await expect(q.take()).resolves.toBeNull();
  });

  it('fail() drops what is buffered and rejects the waiting and every later take()', async () => {
    const q = createBatchQueue({ batchRows: 10, readAhead: 2, pause: () => {}, resume: () => {} });
    const pending = q.take();
    q.push([1]);
    const err = new Error('boom');
    q.fail(err);
    await expect(pending).rejects.toBe(err);
    await expect(q.take()).rejects.toBe(err);
    expect(q.bufferedRows).toBe(0);
  });
});
