import { isConfluentAvro, type EventCodec } from '../../schemas/event-codec.ts';
import { ExportRequestedSchema, type ExportRequested } from '../../schemas/export-requested.ts';
import { findJsonLimitViolation } from '../../schemas/json-limits.ts';

export type Decoded =
  | { kind: 'request'; request: ExportRequested; body: Record<string, unknown> }
  /** Addressable (we know the job) but not a valid request: the job fails with a reason. */
  | {
      kind: 'invalid';
      workspaceId: string;
      requestId: string;
      message: string;
      body: Record<string, unknown>;
    }
  /** Not even addressable: the bytes go to the dead-letter topic untouched. */
  | { kind: 'malformed'; reason: string };

const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/**
 * Three outcomes, because a failure event needs a job to talk about: bytes that are not a JSON object with a
 * usable workspaceId and requestId cannot be answered, only set aside; everything else can.
 */
export function decodeRequest(value: Buffer | null): Decoded {
  if (!value || value.byteLength === 0) return { kind: 'malformed', reason: 'empty record value' };
  if (value.byteLength > MAX_REQUEST_BYTES) {
    return {
      kind: 'malformed',
      reason: `record value of ${value.byteLength} bytes exceeds ${MAX_REQUEST_BYTES}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { kind: 'malformed', reason: `value is not JSON: ${(err as Error).message}` };
  }
  return decodeRequestBody(parsed);
}

/**
 * JSON and Avro on one topic, told apart by the first byte (Avro's Confluent framing starts with 0, JSON
 * never does). Both end in the same checks, so an Avro request is held to exactly the JSON one's rules.
 * Rejects only when the schema registry cannot be asked, so the record is read again.
 */
export async function decodeRequestValue(value: Buffer | null, codec: EventCodec): Promise<Decoded> {
  if (!value || !isConfluentAvro(value) || value.byteLength > MAX_REQUEST_BYTES) return decodeRequest(value);
  const avro = await codec.decodeAvroRequest(value);
  return avro.ok ? decodeRequestBody(avro.body) : { kind: 'malformed', reason: avro.reason };
}

function decodeRequestBody(parsed: unknown): Decoded {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: 'malformed', reason: 'value is not a JSON object' };
  }
  // Bytes no job row can hold (NUL, lone surrogates) or no walk should follow (nesting thousands deep):
  // the same on every delivery, so set aside at once rather than retried.
  const violation = findJsonLimitViolation(parsed);
  if (violation) return { kind: 'malformed', reason: `${violation.field}: ${violation.rule}` };
  const body = parsed as Record<string, unknown>;
  const { workspaceId, requestId, version } = body;
  const workspace = ExportRequestedSchema.shape.workspaceId.safeParse(workspaceId);
  const request = ExportRequestedSchema.shape.requestId.safeParse(requestId);
  if (!workspace.success || !request.success) {
    return {
      kind: 'malformed',
      reason: 'value has no valid workspaceId and requestId, so no job can be named',
    };
  }
  if (version !== 1) {
    // A newer producer's request: left for a worker that understands it, not failed by this one.
    return {
      kind: 'malformed',
      reason: `unsupported request version ${JSON.stringify(version)}; this worker reads 1`,
    };
  }
  const result = ExportRequestedSchema.safeParse(body);
  if (!result.success) {
    const message = result.error.issues
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(request)'}: ${i.message}`)
      .join('; ');
    return { kind: 'invalid', workspaceId: workspace.data, requestId: request.data, message, body };
  }
  return { kind: 'request', request: result.data, body };
}
