import type { Column, LogicalType } from '../../schemas/column.ts';
import { arrayLiteralToJson, type ArrayElementKind } from './array-literal.ts';
import { Oid } from './oids.ts';
import {
  asText,
  createDateConverter,
  createTimestampConverter,
  createTimestamptzConverter,
  toBigInt,
  toBoolean,
  toBytes,
  toInt32,
  toNumber,
  type TextConverter,
} from './text-values.ts';

/** The `pg_type` facts the mapping needs, for types that are not built in (or are arrays). */
export interface PgType {
  oid: number;
  name: string;
  /** typtype: b base, c composite, d domain, e enum, p pseudo, r range, m multirange. */
  kind: string;
  /** typcategory: 'A' for arrays. */
  category: string;
  /** typelem: the element type of an array, else 0. */
  elem: number;
  /** typbasetype: what a domain is over, else 0. */
  base: number;
  /** typtypmod: a domain's modifier on its base type (numeric(10,2)), else -1. */
  baseTypmod: number;
  /** typdelim: the array element delimiter, ',' for all but box. */
  delimiter: string;
}

export type TypeLookup = (oid: number) => PgType | undefined;

export interface ColumnPlan {
  column: Column;
  convert: TextConverter;
}

interface Mapping {
  type: LogicalType;
  convert: (column: string) => TextConverter;
  element: ArrayElementKind;
}

const fixed = (type: LogicalType, convert: TextConverter, element: ArrayElementKind = 'string'): Mapping => ({
  type,
  convert: () => convert,
  element,
});

/**
 * Built-in scalar types with a representation of their own; any other type (time, interval, inet, money,
 * ranges, enums, citext, …) is a string holding PostgreSQL's canonical text for it.
 */
const BUILT_IN = new Map<number, Mapping>([
  [Oid.bool, fixed('boolean', toBoolean, 'boolean')],
  [Oid.int2, fixed('int32', toInt32, 'number')],
  [Oid.int4, fixed('int32', toInt32, 'number')],
  [Oid.int8, fixed('int64', toBigInt, 'number')],
  // oid is uint32: too big for int32, exact in int64.
  [Oid.oid, fixed('int64', toBigInt, 'number')],
  [Oid.float4, fixed('float64', toNumber, 'number')],
  [Oid.float8, fixed('float64', toNumber, 'number')],
  [Oid.numeric, fixed('decimal', asText, 'number')],
  [Oid.bytea, fixed('binary', toBytes)],
  [Oid.date, { type: 'date', convert: createDateConverter, element: 'string' }],
  [Oid.timestamp, { type: 'timestamp', convert: createTimestampConverter, element: 'string' }],
  [Oid.timestamptz, { type: 'timestamptz', convert: createTimestamptzConverter, element: 'string' }],
  [Oid.json, fixed('json', asText, 'json')],
  [Oid.jsonb, fixed('json', asText, 'json')],
  [Oid.uuid, fixed('uuid', asText)],
]);

/**
 * The column a result field becomes, and the converter for its text. Domains take their base type's
 * representation (nativeType keeps the domain's name); arrays of anything become JSON text.
 */
export function planColumn(
  field: { name: string; dataTypeID: number; dataTypeModifier: number },
  nativeType: string,
  lookup: TypeLookup,
): ColumnPlan {
  const { oid, typmod, type } = resolveDomain(field.dataTypeID, field.dataTypeModifier, lookup);
  const column: Column = { name: field.name, type: 'string', nativeType };
  const builtIn = BUILT_IN.get(oid);
  if (builtIn) {
    column.type = builtIn.type;
    if (oid === Oid.numeric) Object.assign(column, numericTypmod(typmod));
    return { column, convert: builtIn.convert(field.name) };
  }
  if (type && type.category === 'A' && type.elem !== 0) {
    const element = resolveDomain(type.elem, -1, lookup);
    const kind = BUILT_IN.get(element.oid)?.element ?? 'string';
    // typdelim belongs to the element type; box is the one built-in type that uses ';'.
    const delimiter = lookup(type.elem)?.delimiter ?? type.delimiter;
    column.type = 'json';
    return { column, convert: (text) => arrayLiteralToJson(text, kind, delimiter) };
  }
  return { column, convert: asText };
}

/** Follows domains down to the type whose text is actually sent. */
function resolveDomain(
  oid: number,
  typmod: number,
  lookup: TypeLookup,
): { oid: number; typmod: number; type: PgType | undefined } {
  let type = BUILT_IN.has(oid) ? undefined : lookup(oid);
  for (let depth = 0; type && type.kind === 'd' && type.base !== 0 && depth < 16; depth++) {
    if (typmod === -1) typmod = type.baseTypmod;
    oid = type.base;
    type = BUILT_IN.has(oid) ? undefined : lookup(oid);
  }
  return { oid, typmod, type };
}

/**
 * numeric's typmod packs (precision << 16 | scale) + 4; -1 means unconstrained (any precision and scale,
 * reported as neither). Since PostgreSQL 15 the scale is an 11-bit signed value (numeric(3,-2) is legal).
 */
export function numericTypmod(typmod: number): { precision?: number; scale?: number } {
  if (typmod < 4) return {};
  const packed = typmod - 4;
  return { precision: (packed >> 16) & 0xffff, scale: ((packed & 0x7ff) ^ 1024) - 1024 };
}

/** OIDs the mapping must see in `pg_type` before planning: everything that is not a built-in scalar. */
export function needsLookup(oid: number): boolean {
  return !BUILT_IN.has(oid);
}
