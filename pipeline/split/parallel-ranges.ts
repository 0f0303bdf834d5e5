import type { KeySpan, Query, Source } from '../../dialects/source.ts';
import type { SplitInfo } from './manifest.ts';

export interface StreamPlan {
  queries: Query[];
  parallel: SplitInfo['parallel'];
}

/**
 * `parallel: n` → up to n queries over equal-width slices of the table's integer key. Equal widths assume
 * keys spread evenly (serial ids); a skewed key gives uneven streams, never wrong ones. Queries that cannot
 * be sliced run as one stream, and `note` says why (it lands in the manifest and the log).
 */
export async function planStreams(source: Source, query: Query, requested: number): Promise<StreamPlan> {
  const one = (note?: string): StreamPlan => ({
    queries: [query],
    parallel: { requested, streams: 1, ...(note ? { note } : {}) },
  });
  if (requested <= 1) return one();
  if (query.kind !== 'table') return one('raw SQL has no key to slice; ran as one stream');
  if (query.limit !== undefined) return one('a limit applies to the whole result; ran as one stream');
  if (!source.keySpan) return one(`the ${source.dialect} source cannot slice by key; ran as one stream`);
  const span: KeySpan = await source.keySpan(query);
  if ('note' in span) return one(`${span.note}; ran as one stream`);
  const order = query.orderBy ?? [];
  if (
    order.length > 0 &&
    !(order.length === 1 && order[0]!.column === span.column && order[0]!.direction !== 'desc')
  ) {
    return one(`ordered by other than ${span.column} ascending; ran as one stream to keep the order`);
  }
  const ranges = keyRanges(span.min, span.max, requested);
  return {
    queries: ranges.map(([gte, lt]) => ({
      ...query,
      keyRange: { column: span.column, gte: String(gte), lt: String(lt) },
    })),
    parallel: { requested, streams: ranges.length, column: span.column },
  };
}

/** [min, max] cut into at most n half-open slices of (nearly) equal width that cover it exactly. */
export function keyRanges(min: bigint, max: bigint, n: number): [bigint, bigint][] {
  const width = max - min + 1n;
  const count = width < BigInt(n) ? Number(width) : n;
  const out: [bigint, bigint][] = [];
  for (let i = 0; i < count; i++) {
    const lo = min + (width * BigInt(i)) / BigInt(count);
    const hi = min + (width * BigInt(i + 1)) / BigInt(count);
    out.push([lo, hi]);
  }
  return out;
}
