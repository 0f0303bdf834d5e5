import type { Type } from 'avsc';
import { fromAvroValue } from '../schemas/avro-values.ts';
import { isConfluentAvro } from '../schemas/event-codec.ts';
import type { AvroType } from '../schemas/avro-schemas.ts';
import { createRegistryClient } from './registry-client.ts';

/**
 * Reads an event value whichever way it was written: Avro in the Confluent wire format (decoded with the
 * writer's schema, fetched by id from the registry) or JSON. The result is the contract's object shape
 * (optional fields absent, not null), so JSON and Avro readers see the same thing.
 */
export function createEventReader(
  registryUrl: string | undefined,
): (value: Buffer) => Promise<Record<string, unknown>> {
  const registry = registryUrl ? createRegistryClient(registryUrl) : undefined;
  return async (value) => {
    if (!isConfluentAvro(value)) return JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    if (!registry) {
      throw new Error('the value is Avro (Confluent wire format); set SCHEMA_REGISTRY_URL to read it');
    }
    const writer: Type = await registry.writerType(value.readUInt32BE(1));
    const decoded: unknown = writer.fromBuffer(value.subarray(5));
    return fromAvroValue(decoded, writer.schema() as AvroType) as Record<string, unknown>;
  };
}
