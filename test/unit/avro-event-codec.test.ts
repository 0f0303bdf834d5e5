import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.ts';
import { createAvroEventCodec } from '../../schema-registry/avro-event-codec.ts';
import type { RegistryClient } from '../../schema-registry/registry-client.ts';
import { AVRO_CONTRACTS, avroSchemaOf, type AvroType } from '../../schemas/avro-schemas.ts';
import { toAvroValue } from '../../schemas/avro-values.ts';

/** A registry in memory, with the failures a real one can answer; the real one is in the integration tests. */
function fakeRegistry(
  opts: { refuse?: string; outage?: boolean } = {},
): RegistryClient & { encoded: number } {
  const schemas = new Map<number, AvroType>();
  const fake = {
    url: 'memory:',
    encoded: 0,
    async register(subject: string, schema: AvroType) {
      if (subject === opts.refuse) throw new SluiceError('SCHEMA_INCOMPATIBLE', `refused ${subject}`);
      const id = schemas.size + 1;
      schemas.set(id, schema);
      return id;
    },
    async checkCompatibility() {
      return { kind: 'new-subject' as const };
    },
    async writerType(id: number) {
      if (opts.outage) throw Object.assign(new Error('503 from registry'), { status: 503 });
      const schema = schemas.get(id);
      if (!schema) throw Object.assign(new Error(`Schema ${id} not found`), { status: 404 });
      return avro.Type.forSchema(schema as avro.Schema);
    },
    async encode(id: number, value: unknown) {
      fake.encoded++;
      const type = await fake.writerType(id);
      const header = Buffer.alloc(5);
      header.writeUInt32BE(id, 1);
      return Buffer.concat([header, type.toBuffer(value)]);
    },
  };
  return fake;
}

const request = {
  version: 1,
  requestId: 'r',
  workspaceId: 'ws',
  requestedBy: 'a',
  source: 'wh',
  query: { kind: 'sql', sql: 'select 1' },
  format: 'csv',
};

describe('the Avro event codec', () => {
  it('fails to start when the registry refuses a contract, so nothing is produced with it', async () => {
    const registry = fakeRegistry({ refuse: 'sluice.export.completed-value' });
    await expect(createAvroEventCodec(registry)).rejects.toMatchObject({ code: 'SCHEMA_INCOMPATIBLE' });
    expect(registry.encoded).toBe(0);
  });

  it('reads an Avro request written with the registered schema', async () => {
    const registry = fakeRegistry();
    const codec = await createAvroEventCodec(registry);
    const bytes = await registry.encode(
      1,
      toAvroValue(request, avroSchemaOf(AVRO_CONTRACTS.ExportRequested)),
    );
    expect(await codec.decodeAvroRequest(bytes)).toEqual({ ok: true, schemaId: 1, body: request });
  });

  it('answers "unknown schema id" for a 404, and rejects (read again later) when the registry fails', async () => {
    const codec = await createAvroEventCodec(fakeRegistry());
    const unknown = Buffer.from([0, 0, 0, 0, 99, 1]);
    expect(await codec.decodeAvroRequest(unknown)).toEqual({
      ok: false,
      reason: expect.stringMatching(/schema id 99, which the registry does not know/),
    });
    const down = await createAvroEventCodec(fakeRegistry({ outage: true }));
    await expect(down.decodeAvroRequest(Buffer.from([0, 0, 0, 0, 1, 1]))).rejects.toMatchObject({
      status: 503,
    });
  });

  it('answers "cannot be read" for a writer schema that is not an ExportRequested', async () => {
    const registry = fakeRegistry();
    const codec = await createAvroEventCodec(registry);
    // Id 2 is ExportCompleted: no requestId-compatible resolution.
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from([2, 0])]);
    expect(await codec.decodeAvroRequest(bytes)).toEqual({
      ok: false,
      reason: expect.stringMatching(/schema id 2\) cannot be read as ExportRequested/),
    });
  });
});
