import { z } from 'zod';
import { ExportCompletedSchema, ExportFailedSchema } from './export-outcome.ts';
import { ExportRequestedSchema } from './export-requested.ts';

/**
 * The event contracts as Avro, for the schema registry. Generated from the zod schemas (through the same
 * JSON Schema that schemas/json/ publishes), so the two cannot drift: schemas/avro/*.avsc are written by
 * `npx tsx schemas/avro-schemas.ts --write` and a unit test fails when they differ.
 *
 * Mapping: string → string, integer → long (rows and bytes pass 2^31), number → double, boolean → boolean,
 * a numeric const (`version`) → int, a string enum → an Avro enum, an array → array, an object with
 * properties → a record, an object with only `additionalProperties` (z.record) → map, an optional field →
 * ["null", T] with default null. Lengths, ranges and patterns have no Avro form: zod still checks them
 * after decoding, so an Avro request is held to exactly the rules a JSON one is.
 *
 * Unions other than optional ones have no faithful Avro form and must be listed in `jsonFields`: such a
 * field is an Avro string holding the value's JSON. That is ExportRequested's `query`, a union of five
 * kinds whose members nest further unions (filter values that are a scalar, null or a list; SQL params of
 * mixed types; metric and CSV-generator bodies with string-keyed maps). An Avro union of five records would
 * need each nested scalar union re-modelled (an int/double/string/boolean union loses "1" vs 1 in JSON
 * round trips) and every new query kind would be a schema change for every producer, while the query is
 * validated by the same zod contract either way; so it travels as JSON, which producers already write.
 */
export const AVRO_NAMESPACE = 'dev.sluice.events';

export interface AvroContract {
  /** The record's name, also the file name: `<name>.avsc`. */
  name: string;
  schema: z.ZodType;
  /** Fields carried as a JSON string (see above), by top-level name. */
  jsonFields: readonly string[];
  doc: string;
}

export const AVRO_CONTRACTS = {
  ExportRequested: {
    name: 'ExportRequested',
    schema: ExportRequestedSchema,
    jsonFields: ['query'],
    doc: 'A request to export query results (sluice.export.requests, key = workspaceId).',
  },
  ExportCompleted: {
    name: 'ExportCompleted',
    schema: ExportCompletedSchema,
    jsonFields: [],
    doc: 'A finished export (sluice.export.completed, key = workspaceId).',
  },
  ExportFailed: {
    name: 'ExportFailed',
    schema: ExportFailedSchema,
    jsonFields: [],
    doc: 'A failed export (sluice.export.failed, key = workspaceId).',
  },
} as const satisfies Record<string, AvroContract>;

export type AvroContractName = keyof typeof AVRO_CONTRACTS;

/** An Avro schema as JSON (what an .avsc file holds). */
export type AvroType = string | AvroType[] | { [key: string]: unknown };

interface JsonSchema {
  /** An array when zod writes a union of primitive types. */
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** A JSON string field's marker in the schema, so any reader of the .avsc can see what the string holds. */
export const JSON_FIELD_PROP = 'sluice.encoding';

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function avroSchemaOf(contract: AvroContract): AvroType {
  const json = z.toJSONSchema(contract.schema) as JsonSchema;
  const { fields } = recordOf(json, contract.name, contract.name, new Set(contract.jsonFields));
  return { type: 'record', name: contract.name, namespace: AVRO_NAMESPACE, doc: contract.doc, fields };
}

function recordOf(
  json: JsonSchema,
  name: string,
  path: string,
  jsonFields: ReadonlySet<string> = new Set(),
): { type: 'record'; name: string; fields: Array<Record<string, unknown>> } {
  const required = new Set(json.required ?? []);
  const fields = Object.entries(json.properties ?? {}).map(([field, schema]) => {
    if (!AVRO_NAME.test(field))
      throw unsupported(`${path}.${field}`, 'the field name is not a valid Avro name');
    if (jsonFields.has(field)) {
      const type = required.has(field) ? 'string' : ['null', 'string'];
      return {
        name: field,
        type,
        ...(required.has(field) ? {} : { default: null }),
        doc: `JSON text of the ${field} (its JSON Schema is in schemas/json/).`,
        [JSON_FIELD_PROP]: 'json',
      };
    }
    const type = typeOf(schema, `${name}${pascal(field)}`, `${path}.${field}`);
    // Optional in zod = may be absent; Avro has no absence, so null stands for it (null first, so the
    // default can be null and a new optional field is a compatible change).
    return required.has(field) ? { name: field, type } : { name: field, type: ['null', type], default: null };
  });
  return { type: 'record', name, fields };
}

function typeOf(json: JsonSchema, name: string, path: string): AvroType {
  if (json.anyOf || json.oneOf || Array.isArray(json.type)) {
    throw unsupported(path, 'a union has no faithful Avro form; list the field in jsonFields');
  }
  if (json.const !== undefined) {
    if (typeof json.const === 'number' && Number.isInteger(json.const)) return 'int';
    if (typeof json.const === 'string') return 'string';
    throw unsupported(path, `const ${JSON.stringify(json.const)}`);
  }
  switch (json.type) {
    case 'string':
      if (json.enum) {
        const symbols = json.enum.map(String);
        const bad = symbols.find((s) => !AVRO_NAME.test(s));
        if (bad) throw unsupported(path, `enum symbol ${JSON.stringify(bad)} is not a valid Avro name`);
        return { type: 'enum', name, symbols };
      }
      return 'string';
    case 'integer':
      return 'long';
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'array':
      if (!json.items) throw unsupported(path, 'an array without items');
      return { type: 'array', items: typeOf(json.items, singular(name), `${path}[]`) };
    case 'object':
      if (json.properties) return recordOf(json, name, path);
      if (typeof json.additionalProperties === 'object') {
        return { type: 'map', values: typeOf(json.additionalProperties, `${name}Value`, `${path}{}`) };
      }
      throw unsupported(path, 'an object with neither properties nor a value type');
    default:
      throw unsupported(path, `JSON Schema type ${JSON.stringify(json.type)}`);
  }
}

function unsupported(path: string, why: string): Error {
  return new Error(`Avro schema of ${path}: ${why}`);
}

function pascal(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

/** `ExportCompletedColumns` → `ExportCompletedColumn`: an array's item record is named for one item. */
function singular(name: string): string {
  return name.endsWith('s') && !name.endsWith('ss') ? name.slice(0, -1) : `${name}Item`;
}

export function renderAvroSchemas(): Record<string, string> {
  return Object.fromEntries(
    Object.values(AVRO_CONTRACTS).map((contract) => [
      `${contract.name}.avsc`,
      JSON.stringify(avroSchemaOf(contract), null, 2) + '\n',
    ]),
  );
}

if (process.argv.includes('--write')) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = new URL('./avro/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(renderAvroSchemas())) writeFileSync(new URL(file, dir), text);
}
