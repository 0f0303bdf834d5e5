import { SluiceError } from '../core/errors.ts';
import type { Row } from '../dialects/source.ts';
import type { CsvLayout } from './bind-columns.ts';
import { compareKeys, type CombinedRow } from './combined-row.ts';

/**
 * Joins the queries' results on their key. Each query returns `[period, ...rowFilters, ...measures]`;
 * a key missing from a query leaves its cells empty (no readings is not zero readings). The combined
 * table is held in memory — at most `maxRows` rows of aggregates, never the facts behind them — because
 * `sortBy` may order by any column.
 */
export class CsvCombiner {
  readonly #rows = new Map<string, CombinedRow>();
  readonly #layout: CsvLayout;
  readonly #maxRows: number;

  constructor(layout: CsvLayout, maxRows: number) {
    this.#layout = layout;
    this.#maxRows = maxRows;
  }

  add(queryIndex: number, rows: Row[]): void {
    const query = this.#layout.queries[queryIndex]!;
    const keyWidth = this.#layout.keyFields.length;
    const targets = this.#layout.columns.flatMap((c, i) =>
      c.kind === 'metric' && c.query === queryIndex
        ? [{ cell: i, measure: query.measures.indexOf(c.measure) }]
        : [],
    );
    for (const row of rows) {
      const key = row.slice(0, keyWidth).map((v) => (v === null ? '' : String(v)));
      const id = JSON.stringify(key);
      let combined = this.#rows.get(id);
      if (!combined) {
        if (this.#rows.size >= this.#maxRows) {
          throw new SluiceError(
            'REQUEST_INVALID',
            `the CSV would have more than ${this.#maxRows} rows; narrow the period, entities or rowFilters`,
            { details: { errors: [{ field: 'metricRequests', rule: `at most ${this.#maxRows} rows` }] } },
          );
        }
        combined = { key, cells: this.#layout.columns.map(() => null) };
        this.#rows.set(id, combined);
      }
      for (const t of targets) {
        const v = row[keyWidth + t.measure];
        combined.cells[t.cell] = v === null || v === undefined ? null : BigInt(v as bigint | number | string);
      }
    }
  }

  /** Rows in key order (period, then rowFilters, byte-wise), then stably by the sortBy columns. */
  sorted(): CombinedRow[] {
    const { columns, keyFields, sortBy } = this.#layout;
    const cell = (row: CombinedRow, index: number): string | bigint | null => {
      const c = columns[index]!;
      return c.kind === 'key' ? row.key[keyFields.indexOf(c.field)]! : row.cells[index]!;
    };
    const rows = [...this.#rows.values()].sort((a, b) => compareKeys(a.key, b.key));
    return rows.sort((a, b) => {
      for (const index of sortBy) {
        const c = compareCells(cell(a, index), cell(b, index));
        if (c !== 0) return c;
      }
      return 0;
    });
  }
}

/** Numbers by value, text byte-wise, empty cells last. */
function compareCells(a: string | bigint | null, b: string | bigint | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}
