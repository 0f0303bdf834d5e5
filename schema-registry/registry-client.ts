import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Type } from 'avsc';
import { SluiceError } from '../core/errors.ts';
import type { AvroType } from '../schemas/avro-schemas.ts';
import { SUBJECT_COMPATIBILITY } from './subjects.ts';

/** What the registry says about a schema before it is registered. */
export type CompatibilityVerdict =
  | { kind: 'compatible'; latestVersion: number }
  | { kind: 'incompatible'; latestVersion: number; messages: string[] }
  /** No version yet: anything may be registered first. */
  | { kind: 'new-subject' };

export interface RegistryClient {
  readonly url: string;
  /**
   * Registers (or finds) a schema under a subject, setting the subject's compatibility on first use; a
   * schema the registry refuses is SCHEMA_INCOMPATIBLE.
   */
  register(subject: string, schema: AvroType): Promise<number>;
  /** Asks, without registering, whether a schema may become the subject's next version. */
  checkCompatibility(subject: string, schema: AvroType): Promise<CompatibilityVerdict>;
  /** The writer schema of an id (cached). Rejects with `status` 404 for an id the registry does not know. */
  writerType(id: number): Promise<Type>;
  encode(id: number, value: unknown): Promise<Buffer>;
}

/**
 * @kafkajs/confluent-schema-registry against a Confluent-compatible API (Confluent's own, or Apicurio's
 * `/apis/ccompat/v7`). The library has no call for the compatibility endpoint, so that one is a plain fetch.
 */
export function createRegistryClient(
  url: string,
  { compatibility = SUBJECT_COMPATIBILITY }: { compatibility?: keyof typeof COMPATIBILITY } = {},
): RegistryClient {
  const base = url.replace(/\/+$/, '');
  // Few, quick retries: a request waiting on the registry holds its partition, and the intake retries anyway.
  const registry = new SchemaRegistry({ host: base, retry: { retries: 2, maxRetryTimeInSecs: 2 } });
  return {
    url: base,
    async register(subject, schema) {
      try {
        const { id } = await registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: COMPATIBILITY[compatibility] },
        );
        return id;
      } catch (err) {
        throw registryError(err, `register a schema under ${subject}`, subject);
      }
    },
    async checkCompatibility(subject, schema) {
      // Asked first: Apicurio answers "compatible" for a subject that does not exist, Confluent 404.
      const latest = await call(base, `/subjects/${encodeURIComponent(subject)}/versions/latest`, {});
      if (latest.status === 404) return { kind: 'new-subject' };
      const { version } = (await answer(latest, base, subject)) as { version: number };
      const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`;
      const res = await call(base, path, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify(schema) }),
      });
      const body = (await answer(res, base, subject)) as { is_compatible?: boolean; messages?: unknown };
      if (body.is_compatible === true) return { kind: 'compatible', latestVersion: version };
      return {
        kind: 'incompatible',
        latestVersion: version,
        messages: Array.isArray(body.messages) ? body.messages.map(String) : [],
      };
    },
    async writerType(id) {
      return (await registry.getSchema(id)) as unknown as Type;
    },
    async encode(id, value) {
      return registry.encode(id, value);
    },
  };
}

async function call(base: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new SluiceError(
      'SCHEMA_REGISTRY_UNAVAILABLE',
      `schema registry ${base} cannot be reached: ${String(err)}`,
      {
        cause: err,
        retriable: true,
      },
    );
  }
}

async function answer(res: Response, base: string, subject: string): Promise<unknown> {
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok || typeof body !== 'object' || body === null) {
    throw new SluiceError(
      'SCHEMA_REGISTRY_UNAVAILABLE',
      `schema registry ${base} answered ${res.status} about ${subject}: ${JSON.stringify(body)}`,
      { retriable: true, details: { subject, status: res.status } },
    );
  }
  return body;
}

/** The library's ResponseError carries the HTTP status; 409 is Confluent's "incompatible schema". */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function registryError(err: unknown, what: string, subject: string): SluiceError {
  const message = err instanceof Error ? err.message : String(err);
  if (statusOf(err) === 409 || /compatib/i.test(message)) {
    return new SluiceError('SCHEMA_INCOMPATIBLE', `the schema registry refused to ${what}: ${message}`, {
      cause: err,
      details: { subject },
    });
  }
  return new SluiceError('SCHEMA_REGISTRY_UNAVAILABLE', `could not ${what}: ${message}`, {
    cause: err,
    retriable: true,
    details: { subject },
  });
}
