import { describe, expect, it } from 'vitest';
import { lazySource } from '../../dialects/lazy-source.ts';
import type { Source } from '../../dialects/source.ts';

function fakeEngine(calls: string[]): Source {
  return {
    dialect: 'fake',
    compile: async () => (calls.push('compile'), { sql: 'SELECT 1', params: [] }),
    describe: async () => (calls.push('describe'), [{ name: 'one', type: 'int32' }]),
    stream: async () => {
      calls.push('stream');
      return { columns: [], compiled: { sql: '', params: [] }, batches: (async function* () {})() };
    },
    close: async () => void calls.push('close'),
  };
}

describe('lazySource', () => {
  it('loads the engine once, on first use, and delegates to it', async () => {
    const calls: string[] = [];
    let loads = 0;
    const source = lazySource('fake', async () => (loads++, fakeEngine(calls)));
    expect(loads).toBe(0);
    expect(source.dialect).toBe('fake');
    await source.compile({ kind: 'sql', sql: 'x' });
    await source.describe({ kind: 'sql', sql: 'x' });
    await source.close();
    expect(loads).toBe(1);
    expect(calls).toEqual(['compile', 'describe', 'close']);
  });

  it('closes without loading an engine that was never used', async () => {
    let loads = 0;
    await lazySource('fake', async () => (loads++, fakeEngine([]))).close();
    expect(loads).toBe(0);
  });

  it('passes a failure to load to the caller', async () => {
    const source = lazySource('fake', async () => {
      throw new Error('driver missing');
    });
    await expect(source.stream({ kind: 'sql', sql: 'x' })).rejects.toThrow('driver missing');
  });
});
