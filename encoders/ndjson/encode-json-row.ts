import type { Column, LogicalType } from '../../schemas/column.ts';
import { SluiceError } from '../../core/errors.ts';
import { daysToIsoDate, microsToIsoFixed } from '../../core/time.ts';
import { invalidFields } from '../../schemas/parse-contract.ts';

/**
 * One row as one JSON object text, keyed by column name, for `ndjson` (a line each) and `json` (an array
 * element each). Built by concatenating per-column formatters chosen once, not by JSON.stringify on an object
 * per row: no intermediate object, and each type gets the mapping below instead of JS defaults.
 *
 * The mapping is type-stable (a column's values are always one JSON type, or null) and lossless for every
 * reader, JavaScript's included:
 * - int64 and decimal are JSON strings of their exact digits (`"9223372036854775807"`, `"-0.50"`). JSON
 *   allows arbitrary-precision numbers, and Python or Java would keep them, but JSON.parse (browsers, Node,
 *   jq before 1.7) silently rounds past 2^53, and a decimal as a double loses its scale and cents. The same
 *   choice as protobuf's canonical JSON for int64 and BigQuery's JSON export; the `json` format's schema
 *   says which string columns are numbers.
 * - int32 and float64 are JSON numbers. float64 NaN, Infinity and -Infinity, which JSON numbers cannot
 *   express, are the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (protobuf and BigQuery again): null would
 *   make them indistinguishable from SQL NULL. -0 is written as 0.
 * - date is `"YYYY-MM-DD"`. timestamp and timestamptz are ISO-8601 with all six fraction digits, so the
 *   strings sort as the instants do: timestamptz ends in `Z` (an instant, shown in UTC); timestamp (no time
 *   zone) has no suffix, since its wall-clock value was never in UTC and a `Z` would claim it was. Years
 *   outside 0–9999 use ISO's expanded form (`-000768-02-04`). Both via core/time.ts, as CSV does.
 * - binary is standard base64 with padding (RFC 4648 §4).
 * - json values are embedded as JSON, not as a string holding JSON. The text is validated and kept verbatim
 *   (only line breaks between tokens removed, which keeps NDJSON one object per line), so numbers inside it
 *   keep every digit. Text that is not valid JSON is written as a JSON string instead: the document stays
 *   valid and the value intact. A JSON `null` value reads back the same as SQL NULL.
 * - string and uuid are JSON strings (JSON.stringify escaping; lone surrogates become \\uXXXX escapes).
 * - SQL NULL is null, in every column.
 */
export function createJsonRowEncoder(columns: Column[]): (row: unknown[]) => string {
  const encodeRows = createJsonRowsEncoder(columns);
  return (row) => encodeRows([row], '', '').toString('utf8');
}

/**
 * The rows of a batch as one UTF-8 buffer: each row's object text between `before` and `after` (`''` and
 * `'\n'` for NDJSON). The function is generated once per schema, each column's formatting inlined with its
 * key: the loop then has no per-value call through an array of formatters (a call site that sees every
 * column's function and that V8 cannot inline). Each row's text is written into the buffer as soon as it is
 * complete, so the string pieces die young; a whole batch held as one string (a rope of ~30 pieces per row)
 * outlived the young generation and cost more in garbage collection than the encoding itself.
 */
export function createJsonRowsEncoder(
  columns: Column[],
): (rows: readonly unknown[][], before: string, after: string) => Buffer {
  assertDistinctNames(columns);
  // `{"a":` for the first column, `,"b":` for the rest, so the loop only concatenates.
  const keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`);
  const formatters = columns.map((c) => formatterFor(c));
  const helpers = {
    formatters,
    bad: (i: number, v: unknown): never => unrepresentable(columns[i]!, v),
    str: jsonString,
    float: formatFloat,
    date: (i: number, v: number) => `"${inRange(columns[i]!, v, daysToIsoDate)}"`,
    ts: (i: number, v: bigint, zone: string) => `"${inRange(columns[i]!, v, microsToIsoFixed)}${zone}"`,
    out: createBatchBuffer(),
  };
  let body = '';
  columns.forEach((column, i) => {
    body += `v = row[${i}];\ntext += ${JSON.stringify(keys[i])};\n`;
    body += `if (v === null || v === undefined) text += 'null';\nelse ${valueCode(column, i)}\n`;
  });
  const source =
    `const { formatters, bad, str, float, date, ts, out } = helpers;\n` +
    `return function encodeRows(rows, before, after) {\n` +
    `out.start(rows.length);\n` +
    `for (let r = 0; r < rows.length; r++) {\n` +
    `const row = rows[r];\nlet v;\nlet text = before;\n${body}` +
    `text += ${columns.length === 0 ? "'{}'" : "'}'"};\ntext += after;\nout.write(text);\n}\n` +
    `return out.finish();\n};`;
  // Generated from the schema only: the keys are JSON string literals, the rest is fixed code.
  return new Function('helpers', source)(helpers) as (
    rows: readonly unknown[][],
    before: string,
    after: string,
  ) => Buffer;
}

/**
 * One buffer per batch, sized from the bytes per row seen so far and grown by doubling: the batch is handed
 * downstream whole, so a buffer is never reused (the consumer may hold it), but its size is right the first
 * time after the first batch.
 */
function createBatchBuffer() {
  let bytesPerRow = 256;
  let buf = Buffer.alloc(0);
  let pos = 0;
  let rows = 0;
  return {
    start(count: number): void {
      rows = count;
      buf = Buffer.allocUnsafeSlow(Math.max(1024, Math.ceil(count * bytesPerRow * 1.1)));
      pos = 0;
    },
    write(text: string): void {
      // UTF-8 needs at most 3 bytes per UTF-16 code unit.
      if (pos + text.length * 3 > buf.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, pos + text.length * 3));
        buf.copy(grown, 0, 0, pos);
        buf = grown;
      }
      pos += buf.write(text, pos);
    },
    finish(): Buffer {
      if (rows > 0) bytesPerRow = Math.max(16, pos / rows);
      const done = buf.subarray(0, pos);
      buf = Buffer.alloc(0);
      return done;
    },
  };
}

/** JS statement appending column `i`'s non-null value `v` to `text`; the same mapping as formatterFor. */
function valueCode(column: Column, i: number): string {
  switch (column.type) {
    case 'boolean':
      return `text += v === true ? 'true' : v === false ? 'false' : bad(${i}, v);`;
    case 'int32':
      return `text += typeof v === 'number' && Number.isInteger(v) ? '' + v : bad(${i}, v);`;
    case 'int64':
      return (
        `text += typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)) ` +
        `? '"' + v + '"' : bad(${i}, v);`
      );
    case 'float64':
      // v - v === 0 is Number.isFinite for a number; ''+(-0) is '0', as String(-0).
      return `text += typeof v === 'number' ? (v - v === 0 ? '' + v : float(v)) : bad(${i}, v);`;
    case 'date':
      return `text += typeof v === 'number' && Number.isInteger(v) ? date(${i}, v) : bad(${i}, v);`;
    case 'timestamp':
    case 'timestamptz':
      return `text += typeof v === 'bigint' ? ts(${i}, v, '${column.type === 'timestamptz' ? 'Z' : ''}') : bad(${i}, v);`;
    case 'binary':
    case 'json':
      return `text += formatters[${i}](v);`;
    default:
      return `text += typeof v === 'string' ? str(v) : bad(${i}, v);`;
  }
}

// What JSON.stringify escapes in a string: `"`, `\`, controls, and (when lone) surrogates.
// eslint-disable-next-line no-control-regex -- the controls are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(text), without its work when nothing needs escaping (most values). */
function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : '"' + text + '"';
}

/**
 * Two columns with one name (`SELECT a.id, b.id`) would make an object whose second key silently wins in
 * nearly every JSON reader; refuse instead of dropping a column.
 */
export function assertDistinctNames(columns: Column[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { name } of columns) (seen.has(name) ? repeated : seen).add(name);
  if (repeated.size > 0) {
    throw invalidFields([
      {
        field: 'query',
        rule:
          `column names repeat (${[...repeated].map((n) => JSON.stringify(n)).join(', ')}); JSON objects ` +
          `need distinct keys, so alias the columns in the query`,
      },
    ]);
  }
}

type Formatter = (value: unknown) => string;

function formatterFor(column: Column): Formatter {
  const bad = (v: unknown): never => unrepresentable(column, v);
  switch (column.type) {
    case 'boolean':
      return (v) => (v === true ? 'true' : v === false ? 'false' : bad(v));
    case 'int32':
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : bad(v));
    case 'int64':
      return (v) =>
        typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)) ? `"${v}"` : bad(v);
    case 'float64':
      return (v) => (typeof v === 'number' ? formatFloat(v) : bad(v));
    case 'decimal':
      return (v) => (typeof v === 'string' ? JSON.stringify(v) : bad(v));
    case 'date':
      return (v) =>
        typeof v === 'number' && Number.isInteger(v) ? `"${inRange(column, v, daysToIsoDate)}"` : bad(v);
    case 'timestamp':
    case 'timestamptz': {
      const zone = column.type === 'timestamptz' ? 'Z' : '';
      return (v) => (typeof v === 'bigint' ? `"${inRange(column, v, microsToIsoFixed)}${zone}"` : bad(v));
    }
    case 'binary':
      return (v) =>
        v instanceof Uint8Array
          ? `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`
          : bad(v);
    case 'json':
      // Drivers that hand over parsed JSON (objects, numbers) get it stringified; text is checked and kept.
      return (v) => (typeof v === 'string' ? embedJsonText(v) : JSON.stringify(v));
    default:
      return (v) => (typeof v === 'string' ? JSON.stringify(v) : bad(v));
  }
}

function formatFloat(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

// Raw CR/LF can only stand between tokens in valid JSON (inside strings they must be escaped), and no two
// tokens of valid JSON need whitespace between them, so removing a break with the blanks around it is safe.
const LINE_BREAK = /[ \t]*[\r\n][ \t\r\n]*/g;

export function embedJsonText(text: string): string {
  try {
    JSON.parse(text);
  } catch {
    return JSON.stringify(text);
  }
  const trimmed = text.trim();
  return /[\r\n]/.test(trimmed) ? trimmed.replace(LINE_BREAK, '') : trimmed;
}

/** Dates and timestamps past JS Date's ±275,760 years have no ISO text; say which column held one. */
function inRange<T>(column: Column, value: T, format: (value: T) => string): string {
  try {
    return format(value);
  } catch (err) {
    throw new SluiceError(
      'VALUE_UNREPRESENTABLE',
      `column ${JSON.stringify(column.name)}: ${(err as Error).message}`,
      {
        cause: err,
        details: { column: column.name, type: column.type, value: String(value) },
      },
    );
  }
}

function unrepresentable(column: Column, value: unknown): never {
  const got = value instanceof Uint8Array ? 'Uint8Array' : typeof value;
  throw new SluiceError(
    'VALUE_UNREPRESENTABLE',
    `column ${JSON.stringify(column.name)} is ${column.type} but a value is a ${got} ` +
      `(${describeValue(value)}); see core/rows.ts for each type's JS value`,
    { details: { column: column.name, type: column.type satisfies LogicalType, got } },
  );
}

function describeValue(value: unknown): string {
  const text = typeof value === 'bigint' ? `${value}n` : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
