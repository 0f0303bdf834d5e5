import { JSON_FIELD_PROP, type AvroType } from './avro-schemas.ts';

/**
 * Between a contract object (what zod checks: optional fields absent) and an Avro value (what avsc writes:
 * every field present, null for "absent", JSON-encoded fields as text). Driven by the Avro schema itself,
 * so it follows whatever the generator wrote.
 */
export function toAvroValue(value: unknown, type: AvroType): unknown {
  if (Array.isArray(type)) {
    // Optional fields are ["null", T]; anything else is not generated.
    if (value === undefined || value === null) return null;
    const inner = type.find((t) => t !== 'null');
    return inner === undefined ? null : toAvroValue(value, inner);
  }
  if (typeof type === 'string' || value === null || typeof value !== 'object') return value;
  switch (type.type) {
    case 'record': {
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of fieldsOf(type)) {
        const v = source[field.name];
        if (field[JSON_FIELD_PROP] === 'json') out[field.name] = v === undefined ? null : JSON.stringify(v);
        else out[field.name] = v === undefined ? null : toAvroValue(v, field.type);
      }
      return out;
    }
    case 'array':
      return (value as unknown[]).map((item) => toAvroValue(item, type.items as AvroType));
    case 'map':
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, toAvroValue(v, type.values as AvroType)]),
      );
    default:
      return value;
  }
}

/**
 * The contract object of a decoded Avro value: nulls of optional fields dropped, JSON fields parsed. Text
 * that is not JSON stays a string, so the contract's own check names the field.
 */
export function fromAvroValue(value: unknown, type: AvroType): unknown {
  if (Array.isArray(type)) {
    if (value === null || value === undefined) return undefined;
    const inner = type.find((t) => t !== 'null');
    return inner === undefined ? undefined : fromAvroValue(value, inner);
  }
  if (typeof type === 'string' || value === null || typeof value !== 'object') return value;
  switch (type.type) {
    case 'record': {
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of fieldsOf(type)) {
        const v = source[field.name];
        const decoded = field[JSON_FIELD_PROP] === 'json' ? parseJsonText(v) : fromAvroValue(v, field.type);
        if (decoded !== undefined && decoded !== null) out[field.name] = decoded;
      }
      return out;
    }
    case 'array':
      return (value as unknown[]).map((item) => fromAvroValue(item, type.items as AvroType));
    case 'map':
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, fromAvroValue(v, type.values as AvroType)]),
      );
    default:
      return value;
  }
}

interface AvroField {
  name: string;
  type: AvroType;
  [prop: string]: unknown;
}

function fieldsOf(type: { [key: string]: unknown }): AvroField[] {
  return type.fields as AvroField[];
}

function parseJsonText(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}
