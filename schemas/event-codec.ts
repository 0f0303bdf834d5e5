import type { ExportCompleted, ExportFailed } from './export-outcome.ts';

/** A request record's value read through a codec: its body (still to be checked by zod), or why not. */
export type AvroRequestBody = { ok: true; body: unknown; schemaId: number } | { ok: false; reason: string };

/**
 * How events meet the wire. JSON without a schema registry; Avro in the Confluent wire format (magic byte
 * 0, 4-byte schema id, Avro binary) with one (schema-registry/avro-event-codec.ts). Both read JSON
 * requests; only the Avro one can read Avro requests.
 */
export interface EventCodec {
  readonly format: 'json' | 'avro';
  encodeCompleted(event: ExportCompleted): Promise<Buffer | string>;
  encodeFailed(event: ExportFailed): Promise<Buffer | string>;
  /** A record value that starts with the Confluent magic byte. Rejects only when retrying may help. */
  decodeAvroRequest(value: Buffer): Promise<AvroRequestBody>;
}

/** The Confluent wire format's first byte; a JSON document never starts with it. */
export const CONFLUENT_MAGIC_BYTE = 0;

export function isConfluentAvro(value: Buffer): boolean {
  return value.byteLength >= 5 && value[0] === CONFLUENT_MAGIC_BYTE;
}

export const jsonEventCodec: EventCodec = {
  format: 'json',
  encodeCompleted: (event) => Promise.resolve(JSON.stringify(event)),
  encodeFailed: (event) => Promise.resolve(JSON.stringify(event)),
  decodeAvroRequest: () =>
    Promise.resolve({
      ok: false,
      reason:
        'value is Avro (Confluent wire format) but this worker has no schema registry (SCHEMA_REGISTRY_URL)',
    }),
};
