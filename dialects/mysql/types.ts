import type { Column } from '../../schemas/column.ts';

/**
 * One result column as MySQL/MariaDB describe it, in information_schema's vocabulary, whichever of the two
 * descriptions it came from: the column definition packet of a result (every query) or a row of
 * information_schema.COLUMNS (table queries). `logicalColumn` maps it; values.ts picks its converter.
 */
export interface NativeColumn {
  name: string;
  /** Lower case, as information_schema.COLUMNS.DATA_TYPE spells it: `tinyint`, `decimal`, `uuid`, … */
  dataType: string;
  /** For people reading a manifest: COLUMN_TYPE when known (`decimal(38,10)`), else rebuilt. */
  nativeType: string;
  unsigned: boolean;
  /** Display width of an integer (`tinyint(1)`), or the bit count of BIT(n). */
  width?: number;
  /** decimal only */
  precision?: number;
  scale?: number;
  nullable: boolean;
}

/** The parts of a mysql2 column definition packet (FieldPacket) the mapping reads. */
export interface FieldLike {
  name: string;
  columnType?: number;
  flags: number | string[];
  columnLength?: number;
  decimals: number;
  characterSet?: number;
  /** MariaDB 10.5+ extended metadata: `uuid`, `inet4`, `inet6`, `point`, … */
  extendedTypeName?: string;
  /** MariaDB 10.5+ extended metadata: `json` for the JSON alias of LONGTEXT. */
  extendedFormat?: string;
}

/** The information_schema.COLUMNS fields describe.ts selects, one table column. */
export interface InformationSchemaColumn {
  name: string;
  dataType: string;
  columnType: string;
  nullable: boolean;
  numericPrecision: number | null;
  numericScale: number | null;
}

// Wire type codes (mysql2's constants/types.js, the protocol's MYSQL_TYPE_*), named here so the mapping
// reads as a table and not a list of numbers.
const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  VECTOR: 242,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const FLAG_NOT_NULL = 1;
const FLAG_UNSIGNED = 32;
const FLAG_ENUM = 256;
const FLAG_SET = 2048;
/** Character set number 63 is `binary`: the bytes are not text. */
const BINARY_CHARSET = 63;

const FIXED: Record<number, string> = {
  [T.TINY]: 'tinyint',
  [T.SHORT]: 'smallint',
  [T.INT24]: 'mediumint',
  [T.LONG]: 'int',
  [T.LONGLONG]: 'bigint',
  [T.DECIMAL]: 'decimal',
  [T.NEWDECIMAL]: 'decimal',
  [T.FLOAT]: 'float',
  [T.DOUBLE]: 'double',
  [T.NULL]: 'null',
  [T.TIMESTAMP]: 'timestamp',
  [T.TIMESTAMP2]: 'timestamp',
  [T.DATE]: 'date',
  [T.NEWDATE]: 'date',
  [T.TIME]: 'time',
  [T.TIME2]: 'time',
  [T.DATETIME]: 'datetime',
  [T.DATETIME2]: 'datetime',
  [T.YEAR]: 'year',
  [T.BIT]: 'bit',
  [T.JSON]: 'json',
  [T.ENUM]: 'enum',
  [T.SET]: 'set',
  [T.GEOMETRY]: 'geometry',
  [T.VECTOR]: 'vector',
};

/** The data type a result column packet describes. */
function dataTypeOfField(field: FieldLike, flags: number): string {
  // MariaDB sends its own types (UUID, INET6, the JSON alias) as strings on the wire and names them only in
  // the extended metadata; geometry subtypes (`point`) are still geometry.
  const extended = field.extendedTypeName?.toLowerCase();
  if (extended && field.columnType !== T.GEOMETRY) return extended;
  if (field.extendedFormat?.toLowerCase() === 'json') return 'json';
  const type = field.columnType ?? T.VAR_STRING;
  const fixed = FIXED[type];
  if (fixed) return fixed;
  const binary = field.characterSet === BINARY_CHARSET;
  switch (type) {
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
      return binary ? 'blob' : 'text';
    case T.STRING:
      if (flags & FLAG_ENUM) return 'enum';
      if (flags & FLAG_SET) return 'set';
      return binary ? 'binary' : 'char';
    default:
      return binary ? 'varbinary' : 'varchar';
  }
}

export function nativeFromField(field: FieldLike): NativeColumn {
  const flags = typeof field.flags === 'number' ? field.flags : 0;
  const dataType = dataTypeOfField(field, flags);
  const unsigned = Boolean(flags & FLAG_UNSIGNED) && NUMERIC.has(dataType);
  const length = field.columnLength ?? 0;
  const native: NativeColumn = {
    name: field.name,
    dataType,
    nativeType: dataType,
    unsigned,
    nullable: !(flags & FLAG_NOT_NULL),
  };
  if (dataType === 'decimal') {
    // The packet's length counts the digits plus a point (if scale > 0) and a sign (unless unsigned).
    native.scale = field.decimals;
    native.precision = length - (field.decimals > 0 ? 1 : 0) - (unsigned ? 0 : 1);
    native.nativeType = `decimal(${native.precision},${native.scale})`;
  } else if (INTEGER.has(dataType) || dataType === 'bit') {
    native.width = length;
    if (dataType === 'bit' || (dataType === 'tinyint' && length === 1)) {
      native.nativeType = `${dataType}(${length})`;
    }
  } else if (TEMPORAL_WITH_FRACTION.has(dataType) && field.decimals > 0 && field.decimals <= 6) {
    native.nativeType = `${dataType}(${field.decimals})`;
  } else if (dataType === 'geometry' && field.extendedTypeName) {
    native.nativeType = field.extendedTypeName.toLowerCase();
  }
  if (unsigned) native.nativeType += ' unsigned';
  return native;
}

export function nativeFromInformationSchema(col: InformationSchemaColumn): NativeColumn {
  const dataType = col.dataType.toLowerCase();
  const columnType = col.columnType.toLowerCase();
  const native: NativeColumn = {
    name: col.name,
    dataType: GEOMETRY_TYPES.has(dataType) ? 'geometry' : dataType,
    nativeType: columnType,
    unsigned: NUMERIC.has(dataType) && /\bunsigned\b/.test(columnType),
    nullable: col.nullable,
  };
  if (dataType === 'decimal') {
    native.precision = col.numericPrecision ?? undefined;
    native.scale = col.numericScale ?? 0;
  } else if (dataType === 'bit') {
    native.width = col.numericPrecision ?? 1;
  } else if (INTEGER.has(dataType)) {
    // MySQL 8.0.19+ drops integer display widths from COLUMN_TYPE except tinyint(1), the one that matters.
    const width = /^\w+\((\d+)\)/.exec(columnType)?.[1];
    if (width !== undefined) native.width = Number(width);
  }
  return native;
}

const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint']);
const NUMERIC = new Set([...INTEGER, 'decimal', 'float', 'double']);
const TEMPORAL_WITH_FRACTION = new Set(['datetime', 'timestamp', 'time']);
const GEOMETRY_TYPES = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/**
 * The logical type of a column. The decisions that are not one-to-one:
 * - TINYINT(1) (what BOOLEAN is) → boolean; values other than 0/1 fail the export (values.ts) rather than
 *   being rounded to true.
 * - INT UNSIGNED → int64; BIGINT UNSIGNED → decimal(20,0), as its top half does not fit an int64.
 * - BIT(1) → boolean, BIT(2..63) → int64, BIT(64) → decimal(20,0) (same reason as BIGINT UNSIGNED).
 * - DATE, DATETIME, TIMESTAMP are always nullable: the zero date '0000-00-00' (allowed by MariaDB's default
 *   sql_mode, even in NOT NULL columns) arrives as null.
 * - TIME → string: it is a duration (-838:59:59 … 838:59:59), not a time of day.
 * - MariaDB's INET4/INET6 → string; geometry and VECTOR → binary (the server's internal bytes).
 */
export function logicalColumn(native: NativeColumn): Column {
  const base = { name: native.name, nativeType: native.nativeType, nullable: native.nullable };
  const decimal = (precision: number, scale: number): Column => ({
    ...base,
    type: 'decimal',
    precision,
    scale,
  });
  switch (native.dataType) {
    case 'tinyint':
      return native.width === 1 ? { ...base, type: 'boolean' } : { ...base, type: 'int32' };
    case 'smallint':
    case 'mediumint':
    case 'year':
      return { ...base, type: 'int32' };
    case 'int':
      return { ...base, type: native.unsigned ? 'int64' : 'int32' };
    case 'bigint':
      return native.unsigned ? decimal(20, 0) : { ...base, type: 'int64' };
    case 'bit': {
      const bits = native.width ?? 1;
      if (bits === 1) return { ...base, type: 'boolean' };
      return bits < 64 ? { ...base, type: 'int64' } : decimal(20, 0);
    }
    case 'decimal':
      return decimal(native.precision ?? 65, native.scale ?? 0);
    case 'float':
    case 'double':
      return { ...base, type: 'float64' };
    case 'date':
      return { ...base, type: 'date', nullable: true };
    case 'datetime':
      return { ...base, type: 'timestamp', nullable: true };
    case 'timestamp':
      return { ...base, type: 'timestamptz', nullable: true };
    case 'json':
      return { ...base, type: 'json' };
    case 'uuid':
      return { ...base, type: 'uuid' };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'geometry':
    case 'vector':
      return { ...base, type: 'binary' };
    default:
      // char, varchar, *text, enum, set, time, inet4, inet6, null, and whatever a newer server invents.
      return { ...base, type: 'string' };
  }
}

/**
 * The column of a table query: the packet decides (it describes the bytes that actually arrive, even if the
 * table was altered since information_schema was read), and the information_schema row of the same column
 * names the type the way its DDL does (`enum('a','b')`, `varchar(20)`, `bigint(20) unsigned`).
 *
 * JSON needs no help here: MariaDB 10.5+ flags its JSON alias (a LONGTEXT, which is all information_schema
 * says) in the packet's extended metadata, and MySQL's JSON is a type of its own.
 */
export function refineWithInformationSchema(fromPacket: NativeColumn, info: NativeColumn): NativeColumn {
  return { ...fromPacket, nativeType: info.nativeType };
}
