import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { createRowEncoder } from '../encoders/csv/encode-row.ts';
import type { RowStream } from '../dialects/source.ts';
import type { Audience, PlanningContext } from '../metrics/plan-for-recipient.ts';
import { planForRecipient } from '../metrics/plan-for-recipient.ts';
import type { MetricPlan } from '../metrics/plan.ts';
import { CsvGeneratorBodySchema, type CsvGeneratorBody } from '../schemas/csv-generator.ts';
import { MAX_PLANS_PER_REQUEST } from '../schemas/metric-request.ts';
import { invalidFields, parseContract } from '../schemas/parse-contract.ts';
import { bindColumns, type CsvLayout } from './bind-columns.ts';
import { formatScaled } from '../metrics/scaled.ts';
import { CsvCombiner } from './combine.ts';
import type { CombinedRow } from './combined-row.ts';
import { isKeyOrder, mergeSorted } from './merge-sorted.ts';

export interface CsvGeneratorOptions extends PlanningContext {
  /** Whose rows: the recipient's row security applies to every metric query. */
  audience: Audience;
  /** Runs one plan (e.g. `(plan) => streamMetricPlan(source, plan, { timeoutMs, signal })`). */
  runPlan: (plan: MetricPlan) => Promise<RowStream>;
  /** Where the CSV bytes go: a file, an S3 multipart writer. Not ended here; the caller ends it. */
  out: Writable;
  /** Cap on combined rows held in memory when the CSV cannot be merged as it streams (default 1,000,000). */
  maxRows?: number;
  /**
   * Queries that may stream at once for the bounded-memory merge (default 2); keep it within the source's
   * connection pool, as each open stream holds a connection until it is read to its end.
   */
  maxOpenStreams?: number;
}

export interface CsvGeneratorResult {
  rows: number;
  headings: string[];
  /** The plans that ran, for logs and the `sql` view. */
  plans: MetricPlan[];
}

const DEFAULT_MAX_ROWS = 1_000_000;
const DEFAULT_MAX_OPEN_STREAMS = 2;
const FLUSH_BYTES = 64 * 1024;

/**
 * Everything short of running: the body validated, columns bound to metric requests, and each query planned
 * for the recipient. Bad input (an unknown metricId, measure, dimension, a sortBy index out of range) fails
 * here with REQUEST_INVALID naming the field — which is how the job API answers 400 before accepting a job.
 */
export async function planCsvGenerator(
  body: unknown,
  context: PlanningContext,
  audience: Audience,
): Promise<{ body: CsvGeneratorBody; layout: CsvLayout; plans: MetricPlan[] }> {
  const parsed = parseContract(CsvGeneratorBodySchema, body);
  const layout = bindColumns(parsed);
  // Columns of one request with different filters are separate queries: each is a plan of its own.
  if (layout.queries.length > MAX_PLANS_PER_REQUEST) {
    throw invalidFields([
      {
        field: 'csvFormat.columns',
        rule: `at most ${MAX_PLANS_PER_REQUEST} distinct (metricRequest, filter) queries (the plans-per-request limit); these columns need ${layout.queries.length}`,
      },
    ]);
  }
  const plans: MetricPlan[] = [];
  for (const q of layout.queries) {
    plans.push(
      await planForRecipient(context, audience, q.request, {
        measures: q.measures,
        groupBy: parsed.csvFormat.rowFilters,
        filters: q.filter,
        field: `metricRequests.${q.requestIndex}`,
      }),
    );
  }
  return { body: parsed, layout, plans };
}

/**
 * The CSV generator (seed 004): validates the body, plans every column's metric query for the
 * recipient, runs them, joins the results on (period, rowFilters…), sorts by `sortBy` and writes RFC 4180
 * CSV to `out`, respecting its backpressure. Bad input fails before any query runs. When `sortBy` follows
 * the key order (the seed's `[0]`, the period) the join is a streaming merge in bounded memory; otherwise
 * the joined aggregates are sorted in memory.
 */
export async function generateCsv(body: unknown, options: CsvGeneratorOptions): Promise<CsvGeneratorResult> {
  const { layout, plans } = await planCsvGenerator(body, options, options.audience);
  const headings = layout.columns.map((c) => c.heading);
  const encode = createRowEncoder(
    headings.map((name) => ({ name, type: 'string' })),
    { delimiter: ',' },
  );
  let chunk = encode(headings);
  let rows = 0;
  for await (const fields of combinedCsvRows(layout, plans, options.runPlan, options)) {
    chunk += encode(fields);
    rows++;
    if (chunk.length >= FLUSH_BYTES) {
      await write(options.out, chunk);
      chunk = '';
    }
  }
  if (chunk.length > 0) await write(options.out, chunk);
  return { rows, headings, plans };
}

/**
 * The generator's rows, as the CSV shows them (key columns, then each metric column's exact decimal text
 * or null): the queries run, joined on (period, rowFilters…) and sorted by `sortBy`. When `sortBy` follows
 * the key order (the seed's `[0]`, the period) the join is a streaming merge in bounded memory; otherwise
 * the joined aggregates are sorted in memory, capped at `maxRows`.
 */
export async function* combinedCsvRows(
  layout: CsvLayout,
  plans: MetricPlan[],
  runPlan: (plan: MetricPlan) => Promise<RowStream>,
  {
    maxRows = DEFAULT_MAX_ROWS,
    maxOpenStreams = DEFAULT_MAX_OPEN_STREAMS,
  }: { maxRows?: number; maxOpenStreams?: number } = {},
): AsyncGenerator<(string | null)[]> {
  let combined: AsyncIterable<CombinedRow> | Iterable<CombinedRow>;
  if (isKeyOrder(layout) && plans.length <= maxOpenStreams) {
    // Bounded memory: one batch per query, merged as the rows stream.
    const streams: RowStream[] = [];
    try {
      for (const plan of plans) streams.push(await runPlan(plan));
    } catch (err) {
      await Promise.allSettled(streams.map((s) => s.batches[Symbol.asyncIterator]().return?.()));
      throw err;
    }
    combined = mergeSorted(layout, streams);
  } else {
    // sortBy names a metric column (or more queries than may stream at once): the joined aggregates are
    // held in memory, capped at maxRows.
    const combiner = new CsvCombiner(layout, maxRows);
    for (const [i, plan] of plans.entries()) {
      const stream = await runPlan(plan);
      for await (const batch of stream.batches) combiner.add(i, batch);
    }
    combined = combiner.sorted();
  }
  const scales = layout.columns.map((c) =>
    c.kind === 'metric' ? plans[c.query]!.measures.find((m) => m.name === c.measure)!.scale : 0,
  );
  for await (const row of combined) {
    yield layout.columns.map((c, i) => {
      if (c.kind === 'key') return row.key[layout.keyFields.indexOf(c.field)]!;
      const v = row.cells[i];
      return v === null || v === undefined ? null : formatScaled(v, scales[i]!);
    });
  }
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
