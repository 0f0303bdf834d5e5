import avro, { type Type } from 'avsc';
import { AVRO_CONTRACTS, avroSchemaOf, type AvroContractName } from '../schemas/avro-schemas.ts';
import { fromAvroValue, toAvroValue } from '../schemas/avro-values.ts';
import type { AvroRequestBody, EventCodec } from '../schemas/event-codec.ts';
import type { RegistryClient } from './registry-client.ts';
import { statusOf } from './registry-client.ts';
import { TOPIC_CONTRACTS, valueSubjectOf } from './subjects.ts';

/**
 * Registers the contracts under their topics' subjects (a refused schema fails the start, before anything
 * is produced) and encodes outcomes with the ids the registry gave. Requests are read with our own
 * ExportRequested schema as the reader, resolved against whatever schema the producer wrote with: a
 * producer on an older or newer compatible version is read field by field, defaults filling the gaps.
 */
export async function createAvroEventCodec(registry: RegistryClient): Promise<EventCodec> {
  const ids = new Map<AvroContractName, number>();
  for (const { topic, contract } of TOPIC_CONTRACTS) {
    ids.set(contract, await registry.register(valueSubjectOf(topic), avroSchemaOf(AVRO_CONTRACTS[contract])));
  }
  const encode = async (contract: AvroContractName, event: unknown) =>
    registry.encode(ids.get(contract)!, toAvroValue(event, avroSchemaOf(AVRO_CONTRACTS[contract])));

  const requestSchema = avroSchemaOf(AVRO_CONTRACTS.ExportRequested);
  const reader = avro.Type.forSchema(requestSchema as avro.Schema);
  const resolvers = new Map<number, ReturnType<Type['createResolver']>>();

  return {
    format: 'avro',
    encodeCompleted: (event) => encode('ExportCompleted', event),
    encodeFailed: (event) => encode('ExportFailed', event),
    async decodeAvroRequest(value: Buffer): Promise<AvroRequestBody> {
      const schemaId = value.readUInt32BE(1);
      let writer: Type;
      try {
        writer = await registry.writerType(schemaId);
      } catch (err) {
        if (statusOf(err) === 404) {
          return {
            ok: false,
            reason: `Avro value names schema id ${schemaId}, which the registry does not know`,
          };
        }
        throw err; // the registry is unreachable or failing: read the record again later
      }
      try {
        let resolver = resolvers.get(schemaId);
        if (!resolver) {
          resolver = reader.createResolver(writer);
          resolvers.set(schemaId, resolver);
        }
        const decoded = reader.fromBuffer(value.subarray(5), resolver);
        return { ok: true, schemaId, body: fromAvroValue(decoded, requestSchema) };
      } catch (err) {
        return {
          ok: false,
          reason: `Avro value (schema id ${schemaId}) cannot be read as ExportRequested: ${(err as Error).message}`,
        };
      }
    },
  };
}
