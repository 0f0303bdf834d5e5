import type { Column } from '../../schemas/column.ts';
import { SluiceError } from '../../core/errors.ts';
import type { RowBatch } from '../source.ts';
import type { NativeColumn } from './types.ts';
import { mysqlDateToDays } from './values.ts';

/**
 * CSV straight from the text protocol's values (the source's `streamCsv`): the server already sends most
 * values as the text encoders/csv would write for them, so turning them into bigints, numbers and
 * microseconds (values.ts) only for the CSV encoder to turn them back into text was most of a MariaDB CSV
 * export's CPU. Every field here is byte-for-byte what encoders/csv writes for the value values.ts would
 * have produced (test/integration/mysql-csv.test.ts compares the two paths), rows end in LF (the native CSV
 * path makes them CRLF), and a value the decode path would refuse fails here with the same error.
 */
type FieldText = (raw: unknown) => string;

/** One text builder per column, or undefined when some column needs the decode path (BIT). */
export function csvRowWriter(
  natives: NativeColumn[],
  columns: Column[],
  delimiter: string,
): ((batch: RowBatch) => string) | undefined {
  const needsQuotes = new RegExp(`["\\r\\n${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}]`);
  const quote: FieldText = (v) => {
    const text = typeof v === 'string' ? v : String(v);
    return text === '' ? '""' : needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const fields: FieldText[] = [];
  for (let i = 0; i < natives.length; i++) {
    const field = fieldText(natives[i]!, columns[i]!, quote);
    if (!field) return undefined;
    fields.push(field);
  }
  const n = fields.length;
  return (batch) => {
    let text = '';
    for (let r = 0; r < batch.length; r++) {
      const row = batch[r]!;
      for (let i = 0; i < n; i++) {
        if (i > 0) text += delimiter;
        const v = row[i];
        if (v !== null && v !== undefined) text += fields[i]!(v);
      }
      text += '\n';
    }
    return text;
  };
}

function fieldText(native: NativeColumn, column: Column, quote: FieldText): FieldText | undefined {
  if (native.dataType === 'bit') return undefined; // bytes to integers: values.ts does it
  const name = column.name;
  switch (column.type) {
    case 'boolean':
      return (v) => {
        if (v === 1) return 'true';
        if (v === 0) return 'false';
        throw unrepresentable(
          name,
          v,
          'boolean (TINYINT(1)) holds neither 0 nor 1; CAST it to SIGNED in SQL',
        );
      };
    case 'int32':
    case 'int64':
    case 'decimal':
      // Numbers (INT and smaller) or the server's decimal text (BIGINT, DECIMAL): what String(bigint) and
      // the decimal text the decode path keeps would give.
      return (v) => (typeof v === 'string' ? v : String(v));
    case 'float64':
      // The server's shortest text may use another exponent form (1e-5): the decode path's Number() → String().
      return (v) => String(Number(v));
    case 'date':
      return (v) => {
        const text = v as string;
        const days = mysqlDateToDays(text);
        if (days === null) return ''; // the zero date, NULL on the decode path
        if (days === undefined) throw badDate(name, text);
        return text.length === 10 ? text : text.slice(0, 10);
      };
    case 'timestamp':
    case 'timestamptz': {
      const zone = column.type === 'timestamptz' ? 'Z' : '';
      return (v) => {
        const text = v as string;
        const days = mysqlDateToDays(text);
        if (days === null) return '';
        if (days === undefined || !isTimeOfDay(text)) throw badDate(name, text);
        // `YYYY-MM-DD HH:MM:SS[.f…]` → `YYYY-MM-DDTHH:MM:SS.ffffff`, as microsToIsoFixed writes it.
        const fraction = text.length > 20 ? text.slice(20, 26) : '';
        return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}${ZEROS[6 - fraction.length]}${zone}`;
      };
    }
    case 'binary':
      return (v) => `\\x${(v as Buffer).toString('hex')}`;
    case 'string':
    case 'json':
    case 'uuid':
      return quote;
    default:
      return undefined;
  }
}

const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000'];

/** ` HH:MM:SS` at 10–18 with the digits in range, as values.ts's mysqlDateTimeToMicros accepts it. */
function isTimeOfDay(text: string): boolean {
  if (text.length < 19 || text.charCodeAt(10) !== 32) return false;
  for (const i of [11, 12, 14, 15, 17, 18]) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
  }
  return text.length === 19 || text.charCodeAt(19) === 46;
}

function badDate(column: string, text: string): SluiceError {
  return unrepresentable(column, text, 'a date with a zero month or day, or no such day');
}

function unrepresentable(column: string, value: unknown, why: string): SluiceError {
  return new SluiceError(
    'VALUE_UNREPRESENTABLE',
    `column ${JSON.stringify(column)}: ${String(value)} is ${why}`,
    { details: { column, value: String(value) } },
  );
}
