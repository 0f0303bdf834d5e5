import { describe, expect, it } from 'vitest';
import type { Column } from '../../schemas/column.ts';
import { jsonEncoder } from '../../encoders/json/json-transform.ts';
import { ndjsonEncoder } from '../../encoders/ndjson/ndjson-transform.ts';
import {
  allTypes,
  allTypesRows,
  D38_MIN,
  encode,
  numbered,
  numberedBatches,
  runAheadWhileStalled,
} from './row-encoder-cases.ts';

interface Document {
  schema: { columns: Record<string, unknown>[] };
  rows: Record<string, unknown>[];
}

async function document(
  columns: Column[],
  batches: unknown[][][],
  options = {},
): Promise<{ text: string; doc: Document }> {
  const text = (await encode(jsonEncoder, columns, batches, options)).toString('utf8');
  // One JSON.parse of the whole file: it is a single valid document or this throws.
  return { text, doc: JSON.parse(text) as Document };
}

describe('json encoder', () => {
  it('writes one document: the schema, then every row with the ndjson value mapping', async () => {
    const { doc, text } = await document(allTypes, [allTypesRows.slice(0, 2), allTypesRows.slice(2)]);
    expect(Object.keys(doc)).toEqual(['schema', 'rows']);
    expect(doc.schema.columns[0]).toEqual({ name: 'b', type: 'boolean' });
    expect(doc.schema.columns.find((c) => c.name === 'd38')).toEqual({
      name: 'd38',
      type: 'decimal',
      precision: 38,
      scale: 10,
    });
    expect(doc.schema.columns.find((c) => c.name === 's')).toEqual({
      name: 's',
      type: 'string',
      nativeType: 'text',
      nullable: true,
    });
    expect(doc.schema.columns.map((c) => c.name)).toEqual(allTypes.map((c) => c.name));

    // Same objects as ndjson (whose test pins each value), in the same order, across the batch boundary.
    const ndjson = (await encode(ndjsonEncoder, allTypes, [allTypesRows])).toString('utf8');
    const expected = ndjson
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(doc.rows).toEqual(expected);
    expect(doc.rows[3]).toEqual(Object.fromEntries(allTypes.map((c) => [c.name, null])));
    expect(doc.rows[1]!.d38).toBe(D38_MIN);
    expect(doc.rows[1]!.i64).toBe('-9223372036854775808');
    // One row per line, so the file greps and diffs well.
    expect(text.split('\n')).toHaveLength(allTypesRows.length + 3);
    expect(text.endsWith('\n]}\n')).toBe(true);
  });

  it('is still a document with its schema for an empty result', async () => {
    for (const batches of [[], [[]]]) {
      const { doc, text } = await document(numbered, batches);
      expect(doc).toEqual({
        schema: {
          columns: [
            { name: 'id', type: 'int64' },
            { name: 'label', type: 'string' },
          ],
        },
        rows: [],
      });
      expect(text).toBe(
        '{"schema":{"columns":[{"name":"id","type":"int64"},{"name":"label","type":"string"}]},"rows":[\n]}\n',
      );
    }
  });

  it('puts commas between rows only, across many batches, empty ones included', async () => {
    const batches = numberedBatches(40, 25);
    batches.splice(10, 0, []);
    const { doc } = await document(numbered, batches);
    expect(doc.rows.map((r) => r.id)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    const { text } = await document(numbered, [[[1n, 'a']]]);
    expect(text).toBe(
      '{"schema":{"columns":[{"name":"id","type":"int64"},{"name":"label","type":"string"}]},"rows":[\n' +
        '{"id":"1","label":"a"}\n]}\n',
    );
  });

  it('escapes column names in the schema and in the rows', async () => {
    const columns: Column[] = [{ name: 'we"ird\nname', type: 'string' }];
    const { doc } = await document(columns, [[['v']]]);
    expect(doc.schema.columns[0]!.name).toBe('we"ird\nname');
    expect(doc.rows[0]).toEqual({ 'we"ird\nname': 'v' });
  });

  it('refuses repeated column names', () => {
    const columns: Column[] = [
      { name: 'a', type: 'int64' },
      { name: 'a', type: 'int64' },
    ];
    expect(() => jsonEncoder.create(columns, {})).toThrowError(
      expect.objectContaining({ code: 'REQUEST_INVALID' }),
    );
  });

  it('fails the stream with VALUE_UNREPRESENTABLE on a value of the wrong type', async () => {
    await expect(encode(jsonEncoder, numbered, [[[1n, 'ok']], [['x', 'bad id']]])).rejects.toMatchObject({
      code: 'VALUE_UNREPRESENTABLE',
    });
  });

  it('holds the source back when the consumer stops reading', async () => {
    const r = await runAheadWhileStalled(jsonEncoder, {}, 2000, 50);
    expect(r.pulledWhileStalled).toBeLessThan(40);
    expect(r.total).toBe(2000);
  });
});
