import Cursor from 'pg-cursor';
import type { CustomTypesConfig } from 'pg';
import type { Row, RowBatch } from '../source.ts';
import type { QueryRun } from './query-run.ts';
import type { TextConverter } from './text-values.ts';

// Every field stays the text PostgreSQL sent, so the converters the COPY path uses apply unchanged.
const rawText = (text: string) => text;
const RAW_TEXT = { getTypeParser: () => rawText } as unknown as CustomTypesConfig;

/**
 * The path for queries with bound values (COPY cannot bind parameters, and values are never written into
 * SQL text): a portal read `batchRows` rows at a time. One read runs ahead while the consumer handles the
 * previous batch, so the server works while we encode, and never more than one.
 */
export async function* cursorBatches(
  run: QueryRun,
  sql: string,
  params: unknown[],
  converters: readonly TextConverter[],
  batchRows: number,
): AsyncGenerator<RowBatch> {
  let clean = false;
  try {
    run.check(); // aborted between stream() and the first next(): the connection is already gone
    const cursor = run.client.query(new Cursor<Row>(sql, params, { rowMode: 'array', types: RAW_TEXT }));
    let next: Promise<Row[]> | null = cursor.read(batchRows);
    while (next) {
      const rows: Row[] = await next;
      // A short read means the portal is exhausted (and already closed by pg-cursor).
      next = rows.length === batchRows ? ahead(cursor.read(batchRows)) : null;
      if (rows.length === 0) break;
      convertInPlace(rows, converters);
      yield rows;
      run.check();
    }
    await cursor.close();
    clean = true;
  } catch (err) {
    throw run.failure(err);
  } finally {
    await run.finish(clean);
  }
}

/** A read in flight while we are parked at `yield` must not count as unhandled if it fails meanwhile. */
function ahead<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

function convertInPlace(rows: Row[], converters: readonly TextConverter[]): void {
  const width = converters.length;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let i = 0; i < width; i++) {
      const v = row[i];
      if (v !== null) row[i] = converters[i]!(v as string);
    }
  }
}
