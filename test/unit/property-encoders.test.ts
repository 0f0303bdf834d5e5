import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvEncoder } from '../../encoders/csv/csv-transform.ts';
import { ndjsonEncoder } from '../../encoders/ndjson/ndjson-transform.ts';
import type { Column } from '../../schemas/column.ts';
import { encode } from './row-encoder-cases.ts';

/** Rows of (id int64, label nullable string, flag boolean): big ints, nulls and any Unicode text. */
const columns: Column[] = [
  { name: 'id', type: 'int64' },
  { name: 'label', type: 'string', nullable: true },
  { name: 'flag', type: 'boolean' },
];
const text = fc.string({ unit: 'grapheme', maxLength: 40 }); // well-formed Unicode, any script or emoji
const rows = fc.array(
  fc.tuple(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.option(fc.oneof(text, fc.constantFrom('', ',', '"', '\r\n', 'a\nb', '\\N', 'NULL', ' lead')), {
      nil: null,
    }),
    fc.boolean(),
  ),
  { maxLength: 30 },
);

describe('encoders read back equal to their input, by property', () => {
  it('NDJSON: every row, int64 as a decimal string, nulls as null, text byte-exact', async () => {
    await fc.assert(
      fc.asyncProperty(rows, async (input) => {
        const out = (await encode(ndjsonEncoder, columns, [input])).toString('utf8');
        const back = out
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l));
        expect(back).toEqual(input.map(([id, label, flag]) => ({ id: String(id), label, flag })));
      }),
      { numRuns: 150 },
    );
  });

  it('CSV: every row and field, quoted as RFC 4180 wants (a null and "" both read back empty)', async () => {
    await fc.assert(
      fc.asyncProperty(rows, async (input) => {
        const out = (await encode(csvEncoder, columns, [input])).toString('utf8');
        const records = parse(out, { relax_column_count: false }) as string[][];
        expect(records[0]).toEqual(['id', 'label', 'flag']);
        expect(records.slice(1)).toEqual(
          input.map(([id, label, flag]) => [String(id), label ?? '', String(flag)]),
        );
      }),
      { numRuns: 150 },
    );
  });
});
