import { SluiceError } from '../../core/errors.ts';
import { daysToIsoDate, microsToIsoFixed } from '../../core/time.ts';
import type { Column } from '../../schemas/column.ts';

/** Excel's own limits (Office "Excel specifications and limits"). */
export const XLSX_MAX_ROWS = 1_048_576;
export const XLSX_MAX_CELL_CHARS = 32_767;

/** Days from Excel's 1900 epoch (serial 25569) to 1970-01-01; serials before 1900-03-01 carry Lotus's leap bug. */
const EPOCH_SERIAL = 25569;
const FIRST_SAFE_DAY = -25508; // 1900-03-01

export type CellStyleKey =
  | 'header'
  | 'text'
  | 'formulaText'
  | 'int'
  | 'float'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | `decimal${number}`
  | 'totalLabel'
  | `total:${string}`;

/** A cell's XML body: the attributes after `r` and the inner XML, per value. */
export interface CellXml {
  style: CellStyleKey;
  /** `t` attribute, if any */
  t?: 'inlineStr' | 'b';
  inner: string;
}

// eslint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export function escapeXmlText(text: string): string {
  let out = text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
  // XML 1.0 cannot carry most C0 controls; OOXML writes them as _xHHHH_ (and a literal _x…_ gets its _ escaped).
  if (XML_FORBIDDEN.test(out) || /_x[0-9A-Fa-f]{4}_/.test(out)) {
    out = out
      .replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1')
      .replace(
        new RegExp(XML_FORBIDDEN.source, 'g'),
        (c) => `_x${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}_`,
      );
  }
  return out;
}

export function inlineString(text: string, column: string): CellXml {
  if (text.length > XLSX_MAX_CELL_CHARS) {
    throw new SluiceError(
      'VALUE_UNREPRESENTABLE',
      `column ${column}: a text of ${text.length} characters is longer than an Excel cell holds (${XLSX_MAX_CELL_CHARS})`,
      {
        details: { column, length: text.length },
      },
    );
  }
  const space = /^\s|\s$/.test(text) ? ' xml:space="preserve"' : '';
  // Text that Excel would take for a formula (= + - @) is marked quotePrefix: it stays text when edited.
  const style: CellStyleKey = /^[=+\-@]/.test(text) ? 'formulaText' : 'text';
  return { style, t: 'inlineStr', inner: `<is><t${space}>${escapeXmlText(text)}</t></is>` };
}

/**
 * The cell writer for one column, by logical type: numbers as numbers with a format from the type, dates
 * and instants as Excel serial numbers, everything else as inline text (no shared-strings table, so memory
 * does not grow with the row count). Integers past 2^53 and dates before 1900-03-01, which Excel cannot hold
 * exactly, are written as text so no digit is lost.
 */
export function createCellWriter(column: Column): (value: unknown) => CellXml | undefined {
  const name = column.name;
  const num = (style: CellStyleKey, v: string): CellXml => ({ style, inner: `<v>${v}</v>` });
  const nonNull = (f: (v: unknown) => CellXml) => (v: unknown) =>
    v === null || v === undefined ? undefined : f(v);
  switch (column.type) {
    case 'boolean':
      return nonNull((v) => ({ style: 'text', t: 'b', inner: `<v>${v ? 1 : 0}</v>` }));
    case 'int32':
      return nonNull((v) => num('int', String(v)));
    case 'int64':
      return nonNull((v) => {
        const big = typeof v === 'bigint' ? v : BigInt(v as number | string);
        return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER)
          ? num('int', big.toString())
          : inlineString(big.toString(), name);
      });
    case 'float64':
      return nonNull((v) => (Number.isFinite(v) ? num('float', String(v)) : inlineString(String(v), name)));
    case 'decimal': {
      const style: CellStyleKey = `decimal${Math.min(column.scale ?? 0, 15)}`;
      return nonNull((v) => {
        const text = String(v);
        return /^-?\d+(\.\d+)?$/.test(text) ? num(style, text) : inlineString(text, name);
      });
    }
    case 'date':
      return nonNull((v) => {
        const days = v as number;
        return days >= FIRST_SAFE_DAY
          ? num('date', String(days + EPOCH_SERIAL))
          : inlineString(daysToIsoDate(days), name);
      });
    case 'timestamp':
    case 'timestamptz': {
      const style: CellStyleKey = column.type;
      return nonNull((v) => {
        const micros = v as bigint;
        const days = Number(micros) / 86_400_000_000;
        return days >= FIRST_SAFE_DAY
          ? num(style, String(days + EPOCH_SERIAL))
          : inlineString(microsToIsoFixed(micros), name);
      });
    }
    case 'binary':
      return nonNull((v) => inlineString(`\\x${Buffer.from(v as Uint8Array).toString('hex')}`, name));
    default:
      return nonNull((v) =>
        inlineString(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v), name),
      );
  }
}

/** Column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}
