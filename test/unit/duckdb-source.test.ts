import { describe, expect, it } from 'vitest';
import { openSource } from '../../dialects/open-source.ts';

describe('the DuckDB source (in process)', () => {
  it('streams typed rows in the shared row representation', async () => {
    const source = openSource('duckdb::memory:');
    try {
      const stream = await source.stream({
        kind: 'sql',
        sql: `SELECT 1::INTEGER AS i, 9007199254740993::BIGINT AS b, 'x' AS s, 1.25::DOUBLE AS d,
                DATE '1969-12-31' AS day, TIMESTAMP '2024-04-01 10:15:00.123456' AS ts, 12.30::DECIMAL(5,2) AS dec,
                NULL::VARCHAR AS n, ? AS bound`,
        params: ["O'Brien"],
      });
      expect(stream.columns.map((c) => [c.name, c.type])).toEqual([
        ['i', 'int32'],
        ['b', 'int64'],
        ['s', 'string'],
        ['d', 'float64'],
        ['day', 'date'],
        ['ts', 'timestamp'],
        ['dec', 'decimal'],
        ['n', 'string'],
        ['bound', 'string'],
      ]);
      const rows = [];
      for await (const batch of stream.batches) rows.push(...batch);
      expect(rows).toEqual([
        [1, 9007199254740993n, 'x', 1.25, -1, 1711966500123456n, '12.30', null, "O'Brien"],
      ]);
    } finally {
      await source.close();
    }
  });

  it('compiles table queries against the real schema (unknown names are errors)', async () => {
    const source = openSource('duckdb::memory:');
    try {
      await expect(source.compile({ kind: 'table', table: 'nope' })).rejects.toMatchObject({
        code: 'TABLE_NOT_FOUND',
      });
    } finally {
      await source.close();
    }
  });

  it('stops when aborted', async () => {
    const source = openSource('duckdb::memory:');
    const controller = new AbortController();
    try {
      const stream = source.stream(
        { kind: 'sql', sql: 'SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000000) b' },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(new Error('job cancelled')), 100);
      await expect(
        stream.then(async (s) => {
          for await (const _ of s.batches) void _;
        }),
      ).rejects.toThrow('job cancelled');
    } finally {
      await source.close();
    }
  });
});
