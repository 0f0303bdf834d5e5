import { SluiceError } from '../core/errors.ts';
import type { Row, RowStream } from '../dialects/source.ts';
import type { CsvLayout } from './bind-columns.ts';
import { compareKeys, type CombinedRow } from './combined-row.ts';

/**
 * Whether the CSV's order is the queries' own order: every plan returns rows ordered by (period,
 * rowFilters…) byte-wise, so when `sortBy` names key columns that follow that order, the results can be
 * merge-joined as they stream, holding one batch per query instead of the whole table.
 */
export function isKeyOrder(layout: CsvLayout): boolean {
  const fields: string[] = [];
  for (const index of layout.sortBy) {
    const c = layout.columns[index]!;
    if (c.kind !== 'key') return false;
    if (!fields.includes(c.field)) fields.push(c.field);
  }
  return fields.every((f, i) => layout.keyFields[i] === f);
}

/**
 * Merge-joins the queries' key-ordered streams into combined rows, in key order. A stream whose keys go
 * backwards (an engine ordering text by a collation other than bytes, e.g. a MariaDB column that is not
 * utf8mb4_bin) fails the generation rather than emitting a row twice.
 */
export async function* mergeSorted(layout: CsvLayout, streams: RowStream[]): AsyncGenerator<CombinedRow> {
  const keyWidth = layout.keyFields.length;
  const cursors = streams.map((s) => ({
    iterator: s.batches[Symbol.asyncIterator](),
    batch: [] as Row[],
    at: 0,
  }));
  const heads: (string[] | null)[] = [];
  const headRows: (Row | null)[] = [];
  const advance = async (i: number): Promise<void> => {
    const c = cursors[i]!;
    while (c.at >= c.batch.length) {
      const next = await c.iterator.next();
      if (next.done) {
        heads[i] = null;
        headRows[i] = null;
        return;
      }
      c.batch = next.value;
      c.at = 0;
    }
    const row = c.batch[c.at++]!;
    const key = row.slice(0, keyWidth).map((v) => (v === null ? '' : String(v)));
    const previous = heads[i];
    if (previous && compareKeys(key, previous) <= 0) {
      throw new SluiceError(
        'QUERY_FAILED',
        'a metric query returned its rows out of byte order; its text columns need a binary collation',
      );
    }
    heads[i] = key;
    headRows[i] = row;
  };
  try {
    for (let i = 0; i < cursors.length; i++) await advance(i);
    for (;;) {
      let min: string[] | null = null;
      for (const h of heads) if (h && (!min || compareKeys(h, min) < 0)) min = h;
      if (!min) return;
      const row: CombinedRow = { key: min, cells: layout.columns.map(() => null) };
      for (let q = 0; q < cursors.length; q++) {
        if (!heads[q] || compareKeys(heads[q]!, min) !== 0) continue;
        const values = headRows[q]!;
        const measures = layout.queries[q]!.measures;
        layout.columns.forEach((c, index) => {
          if (c.kind === 'metric' && c.query === q) {
            const v = values[keyWidth + measures.indexOf(c.measure)];
            row.cells[index] = v === null || v === undefined ? null : BigInt(v as bigint | number | string);
          }
        });
        await advance(q);
      }
      yield row;
    }
  } finally {
    // Stops the queries still streaming (an early failure, or the consumer giving up).
    await Promise.allSettled(cursors.map((c) => c.iterator.return?.()));
  }
}
