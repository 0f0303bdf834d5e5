import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeRequestValue } from '../../consumers/export-worker/decode-request.ts';
import {
  AVRO_CONTRACTS,
  avroSchemaOf,
  renderAvroSchemas,
  type AvroContractName,
} from '../../schemas/avro-schemas.ts';
import { fromAvroValue, toAvroValue } from '../../schemas/avro-values.ts';
import { jsonEventCodec } from '../../schemas/event-codec.ts';
import { ExportCompletedSchema } from '../../schemas/export-outcome.ts';
import { ExportRequestedSchema } from '../../schemas/export-requested.ts';

describe('published Avro schemas', () => {
  for (const [file, text] of Object.entries(renderAvroSchemas())) {
    it(`${file} matches the zod contract (regenerate: npx tsx schemas/avro-schemas.ts --write)`, () => {
      expect(readFileSync(new URL(`../../schemas/avro/${file}`, import.meta.url), 'utf8')).toBe(text);
    });
  }
});

const sha = 'a'.repeat(64);
const completed = {
  version: 1,
  jobId: 'j',
  requestId: 'r',
  workspaceId: 'ws',
  format: 'csv',
  bucket: 'b',
  key: 'exports/ws/j/data.csv',
  url: 'http://x/y',
  urlExpiresAt: '2026-12-04T16:00:00.000Z',
  rows: 5_000_000_000, // past 2^31: rows are Avro longs
  bytes: 12,
  sha256: sha,
  contentType: 'text/csv',
  columns: [{ name: 'id', type: 'int64' }],
  startedAt: '2026-12-04T15:00:00.000Z',
  finishedAt: '2026-12-04T15:00:01.000Z',
};
const requested = {
  version: 1,
  requestId: 'r-1',
  workspaceId: 'ws_1',
  requestedBy: 'ana@example.com',
  source: 'warehouse',
  query: {
    kind: 'table',
    table: 'public.events',
    filters: [
      { column: 'id', op: 'in', value: [1, 2.5, 'x'] },
      { column: 'name', op: 'is_null' },
    ],
  },
  format: 'parquet',
  options: { compression: 'zstd', maxRowsPerFile: 1000 },
};

/** Contract object → Avro binary → contract object, through avsc alone. */
function roundTrip(name: AvroContractName, value: unknown): unknown {
  const schema = avroSchemaOf(AVRO_CONTRACTS[name]);
  const type = avro.Type.forSchema(schema as avro.Schema);
  return fromAvroValue(type.fromBuffer(type.toBuffer(toAvroValue(value, schema))), schema);
}

describe('Avro values', () => {
  const cases: Array<[string, AvroContractName, unknown, z.ZodType]> = [
    [
      'a completion without files (optional field absent)',
      'ExportCompleted',
      completed,
      ExportCompletedSchema,
    ],
    [
      'a split completion',
      'ExportCompleted',
      { ...completed, files: [{ key: 'k/part-00001.csv', rows: 3, bytes: 9, sha256: sha }] },
      ExportCompletedSchema,
    ],
    [
      'a request whose query is a nested union (JSON text)',
      'ExportRequested',
      requested,
      ExportRequestedSchema,
    ],
    [
      'a request with every optional field absent',
      'ExportRequested',
      { ...requested, options: undefined, query: { kind: 'sql', sql: 'select 1', params: [null, 1, 'a'] } },
      ExportRequestedSchema,
    ],
  ];
  for (const [name, contract, value, schema] of cases) {
    it(`round-trips ${name} and still satisfies the zod contract`, () => {
      const back = roundTrip(contract, value);
      expect(back).toEqual(JSON.parse(JSON.stringify(value)));
      expect(schema.safeParse(back).success).toBe(true);
    });
  }

  it('writes optional fields as ["null", T] with default null, so adding one is a compatible change', () => {
    const schema = avroSchemaOf(AVRO_CONTRACTS.ExportCompleted) as { fields: Array<Record<string, unknown>> };
    expect(schema.fields.find((f) => f.name === 'files')).toMatchObject({
      type: ['null', { type: 'array' }],
      default: null,
    });
    expect(schema.fields.find((f) => f.name === 'rows')).toMatchObject({ type: 'long' });
    expect(schema.fields.find((f) => f.name === 'version')).toMatchObject({ type: 'int' });
  });

  it('maps enums to Avro enums and string-keyed records to maps', () => {
    const schema = avroSchemaOf({
      name: 'T',
      schema: z.strictObject({ mode: z.enum(['a', 'b']), tags: z.record(z.string(), z.number().int()) }),
      jsonFields: [],
      doc: 't',
    }) as { fields: Array<Record<string, unknown>> };
    expect(schema.fields[0]).toMatchObject({ type: { type: 'enum', name: 'TMode', symbols: ['a', 'b'] } });
    expect(schema.fields[1]).toMatchObject({ type: { type: 'map', values: 'long' } });
  });

  it('refuses a union it has no faithful form for unless the field is JSON text', () => {
    const contract = {
      name: 'T',
      schema: z.strictObject({ v: z.union([z.string(), z.number()]) }),
      jsonFields: [] as string[],
      doc: 't',
    };
    expect(() => avroSchemaOf(contract)).toThrow(/T\.v: a union/);
    expect(avroSchemaOf({ ...contract, jsonFields: ['v'] })).toMatchObject({
      fields: [{ name: 'v', type: 'string', 'sluice.encoding': 'json' }],
    });
  });
});

describe('a worker without a schema registry', () => {
  it('sets an Avro request aside with the reason, and still reads JSON', async () => {
    const avroBytes = Buffer.from([0, 0, 0, 0, 7, 2, 3]);
    expect(await decodeRequestValue(avroBytes, jsonEventCodec)).toEqual({
      kind: 'malformed',
      reason: expect.stringMatching(/Avro.*no schema registry/),
    });
    expect((await decodeRequestValue(Buffer.from(JSON.stringify(requested)), jsonEventCodec)).kind).toBe(
      'request',
    );
  });
});
