import { describe, expect, it } from 'vitest';
import { parseCsvGeneratorAction, formatActionResponse } from '../../csv-generator/action-envelope.ts';
import { bindColumns } from '../../csv-generator/bind-columns.ts';
import { CsvCombiner } from '../../csv-generator/combine.ts';
import { formatScaled } from '../../metrics/scaled.ts';
import { isKeyOrder, mergeSorted } from '../../csv-generator/merge-sorted.ts';
import type { Row, RowStream } from '../../dialects/source.ts';
import { CsvGeneratorBodySchema, type CsvGeneratorBody } from '../../schemas/csv-generator.ts';
import { parseContract } from '../../schemas/parse-contract.ts';
import { SEED_CSV_ACTION } from '../../demo/seed-csv-request.ts';

const seedBody = () => structuredClone(SEED_CSV_ACTION.data.body) as unknown as CsvGeneratorBody;

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  throw new Error('expected a failure');
}

describe('the CSV generator body', () => {
  it('accepts the seed example inside its action envelope', () => {
    const { id, body } = parseCsvGeneratorAction(SEED_CSV_ACTION);
    expect(id).toBe('req-csv-001');
    const layout = bindColumns(parseContract(CsvGeneratorBodySchema, body));
    expect(layout.columns).toEqual([
      { kind: 'key', heading: 'Date', field: 'period' },
      { kind: 'metric', heading: 'Entries', query: 0, measure: 'entries' },
    ]);
    expect(layout.keyFields).toEqual(['period', 'entity']);
  });

  /** The body as loose JSON, for breaking it on purpose. */
  interface LooseBody {
    csvFormat: { columns: Record<string, unknown>[]; sortBy: unknown[]; rowFilters: unknown[] };
    metricRequests: Record<string, unknown>[];
  }

  const bad: [string, (b: LooseBody) => void, string][] = [
    [
      'sortBy as objects',
      (b) => (b.csvFormat.sortBy = [{ column: 0, direction: 'asc' }]),
      'csvFormat.sortBy.0: sortBy holds column indices',
    ],
    ['a fractional sortBy', (b) => (b.csvFormat.sortBy = [0.5]), 'csvFormat.sortBy.0'],
    [
      'sortBy past the columns',
      (b) => (b.csvFormat.sortBy = [2]),
      'csvFormat.sortBy.0: column index 2 is past',
    ],
    [
      'empty rowFilters',
      (b) => (b.csvFormat.rowFilters = []),
      'csvFormat.rowFilters: rowFilters needs at least one',
    ],
    [
      'rowFilters with SQL',
      (b) => (b.csvFormat.rowFilters = ['entity; DROP TABLE x']),
      'csvFormat.rowFilters.0',
    ],
    [
      'an unknown metricId',
      (b) => (b.csvFormat.columns[1]!.metricId = 'nope'),
      'csvFormat.columns.1.metricId: no metricRequest has metricId "nope"',
    ],
    [
      'a key column showing a non-row dimension',
      (b) => (b.csvFormat.columns[0]!.field = 'age'),
      'csvFormat.columns.0.field',
    ],
    [
      'no measure to read',
      (b) => delete b.csvFormat.columns[1]!.fetchValue,
      'csvFormat.columns.1.fetchValue',
    ],
    [
      'an unknown column field',
      (b) => (b.csvFormat.columns[0]!.colour = 'red'),
      'csvFormat.columns.0.colour: unrecognized field',
    ],
    [
      'a bad metric request',
      (b) => (b.metricRequests[0]!.aggregationPeriod = 'year'),
      'metricRequests.0.aggregationPeriod',
    ],
    [
      'duplicate metricIds',
      (b) => b.metricRequests.push(b.metricRequests[0]!),
      'metricRequests.1.metricId: duplicate',
    ],
  ];
  for (const [name, change, message] of bad) {
    it(`rejects ${name} with REQUEST_INVALID naming the field`, () => {
      const body = seedBody() as unknown as LooseBody;
      change(body);
      const f = failure(() => bindColumns(parseContract(CsvGeneratorBodySchema, body)));
      expect(f.code).toBe('REQUEST_INVALID');
      expect(f.message).toContain(message);
    });
  }

  it('a metricId is only a label: SQL in it binds columns like any other text and never reaches a plan', () => {
    const body = seedBody();
    const hostile = "entries'); DROP TABLE footfall_hourly; --";
    body.metricRequests[0]!.metricId = hostile;
    body.csvFormat.columns[1]!.metricId = hostile;
    const layout = bindColumns(body);
    expect(layout.queries[0]!.request.metricId).toBe(hostile);
    expect(layout.queries[0]!.measures).toEqual(['entries']);
  });

  it('columns on the same request and slice share one query; another slice is another query', () => {
    const body = seedBody();
    body.csvFormat.columns.push(
      { heading: 'Readings', metricId: 'entries-by-day', fetchValue: 'footfall_readings' },
      {
        heading: 'New visitors',
        metricId: 'entries-by-day',
        fetchValue: 'entries',
        filter: { segments: 'new' },
      },
    );
    const layout = bindColumns(body);
    expect(layout.queries.map((q) => [q.measures, q.filter])).toEqual([
      [['entries', 'footfall_readings'], {}],
      [['entries'], { segments: 'new' }],
    ]);
  });
});

describe('combining results', () => {
  it('joins on (period, rowFilters), leaves missing cells empty, sorts by sortBy then key', () => {
    const body = seedBody();
    body.csvFormat.columns.push({ heading: 'Sales', metricId: 'sales', fetchValue: 'sales_volume' });
    body.metricRequests.push({ ...body.metricRequests[0]!, metricId: 'sales' });
    body.csvFormat.sortBy = [2];
    const layout = bindColumns(body);
    const combiner = new CsvCombiner(layout, 10);
    combiner.add(0, [
      ['2024-04-01', 'e1', 10n],
      ['2024-04-02', 'e1', 20n],
    ]);
    combiner.add(1, [
      ['2024-04-02', 'e1', 5n],
      ['2024-04-03', 'e1', 1n],
    ]);
    expect(combiner.sorted().map((r) => [...r.key, ...r.cells.slice(1)])).toEqual([
      ['2024-04-03', 'e1', null, 1n],
      ['2024-04-02', 'e1', 20n, 5n],
      ['2024-04-01', 'e1', 10n, null],
    ]);
  });

  it('refuses more rows than its cap, naming the limit', () => {
    const combiner = new CsvCombiner(bindColumns(seedBody()), 1);
    expect(() =>
      combiner.add(0, [
        ['a', 'e', 1n],
        ['b', 'e', 2n],
      ]),
    ).toThrow(/more than 1 rows/);
  });

  it('formats scaled integers exactly', () => {
    expect([formatScaled(12345n, 2), formatScaled(5n, 2), formatScaled(-5n, 2), formatScaled(7n, 0)]).toEqual(
      ['123.45', '0.05', '-0.05', '7'],
    );
  });

  it('answers in the seed’s response shape', () => {
    expect(
      formatActionResponse('req-csv-001', [{ bucket: 'b', key: 'k.csv', signedUrl: 'https://x/k.csv?sig' }]),
    ).toBe('req-csv-001|0|0|{"body":[{"bucket":"b","key":"k.csv","signedUrl":"https://x/k.csv?sig"}]}');
  });
});

describe('the streaming merge', () => {
  const stream = (batches: Row[][], closed: { n: number }): RowStream => ({
    columns: [],
    compiled: { sql: '', params: [] },
    batches: (async function* () {
      try {
        yield* batches;
      } finally {
        closed.n++;
      }
    })(),
  });
  const twoQueries = () => {
    const body = seedBody();
    body.csvFormat.columns.push({ heading: 'New', metricId: 'entries-by-day', filter: { segments: 'new' } });
    body.metricRequests[0]!.measures = ['entries'];
    return bindColumns(body);
  };

  it('applies when sortBy follows the key order, not when it names a metric column', () => {
    const layout = twoQueries();
    expect(isKeyOrder(layout)).toBe(true);
    expect(isKeyOrder({ ...layout, sortBy: [1] })).toBe(false);
    expect(isKeyOrder({ ...layout, sortBy: [] })).toBe(true);
  });

  it('joins key-ordered streams across batch boundaries', async () => {
    const closed = { n: 0 };
    const rows = [];
    for await (const r of mergeSorted(twoQueries(), [
      stream(
        [
          [['d1', 'e1', 1n]],
          [
            ['d1', 'e2', 2n],
            ['d3', 'e1', 3n],
          ],
        ],
        closed,
      ),
      stream(
        [
          [
            ['d1', 'e2', 20n],
            ['d2', 'e1', 30n],
          ],
        ],
        closed,
      ),
    ])) {
      rows.push([...r.key, ...r.cells.slice(1)]);
    }
    expect(rows).toEqual([
      ['d1', 'e1', 1n, null],
      ['d1', 'e2', 2n, 20n],
      ['d2', 'e1', null, 30n],
      ['d3', 'e1', 3n, null],
    ]);
    expect(closed.n).toBe(2);
  });

  it('fails on a stream whose keys go backwards (a non-binary collation), closing every stream', async () => {
    const closed = { n: 0 };
    // Case-insensitive order (a, B, c) is not byte order (B < a): the merge refuses it.
    const caseInsensitive = async () => {
      for await (const _ of mergeSorted(twoQueries(), [
        stream(
          [
            [
              ['d1', 'a', 1n],
              ['d1', 'B', 2n],
              ['d1', 'c', 3n],
            ],
          ],
          closed,
        ),
        stream([[['d1', 'a', 1n]]], closed),
      ]))
        void _;
    };
    await expect(caseInsensitive()).rejects.toMatchObject({ code: 'QUERY_FAILED' });
    expect(closed.n).toBe(2);
    closed.n = 0;
    const backwards = async () => {
      for await (const _ of mergeSorted(twoQueries(), [
        stream(
          [
            [
              ['d2', 'e1', 1n],
              ['d1', 'e1', 2n],
            ],
          ],
          closed,
        ),
        stream([[['d1', 'e1', 1n]]], closed),
      ]))
        void _;
    };
    await expect(backwards()).rejects.toMatchObject({ code: 'QUERY_FAILED' });
    expect(closed.n).toBe(2);
  });
});
