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

/** Resolves a style key to its index in styles.xml (registered on first use). */
export type StyleIndex = (key: CellStyleKey) => number;

/** Writes one cell: `<c r="…" s="…" t="…">…</c>` for a value, '' for NULL (the cell is left out). */
export type CellWriter = (value: unknown, ref: string) => string;

// eslint-disable-next-line no-control-regex -- these are exactly the characters XML 1.0 forbids
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex -- one test for "anything to escape", so plain text costs one scan
const NEEDS_ESCAPE = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_/;

export function escapeXmlText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
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

const isSpace = (code: number) => code === 32 || (code >= 9 && code <= 13) || code === 160 || code > 0x2000;

/** An inline-string cell's attributes and body for a text, by the style indexes of plain and formula-like text. */
function inlineStringCell(
  text: string,
  column: string,
  textStyle: string,
  formulaStyle: string,
  ref: string,
): string {
  if (text.length > XLSX_MAX_CELL_CHARS) {
    throw new SluiceError(
      'VALUE_UNREPRESENTABLE',
      `column ${column}: a text of ${text.length} characters is longer than an Excel cell holds (${XLSX_MAX_CELL_CHARS})`,
      {
        details: { column, length: text.length },
      },
    );
  }
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  const space =
    text.length > 0 && (isSpace(first) || isSpace(last)) && /^\s|\s$/.test(text)
      ? ' xml:space="preserve"'
      : '';
  // Text that Excel would take for a formula (= + - @) is marked quotePrefix: it stays text when edited.
  const style = first === 61 || first === 43 || first === 45 || first === 64 ? formulaStyle : textStyle;
  return `<c r="${ref}"${style} t="inlineStr"><is><t${space}>${escapeXmlText(text)}</t></is></c>`;
}

/**
 * The cell writer for one column, by logical type: numbers as numbers with a format from the type, dates
 * and instants as Excel serial numbers, everything else as inline text (no shared-strings table, so memory
 * does not grow with the row count). Integers past 2^53 and dates before 1900-03-01, which Excel cannot hold
 * exactly, are written as text so no digit is lost. Style indexes are looked up once per column, not per
 * cell: this runs for every cell of a million-row export.
 */
export function createCellWriter(column: Column, styleIndex: StyleIndex): CellWriter {
  const name = column.name;
  const attr = (key: CellStyleKey) => {
    const i = styleIndex(key);
    return i ? ` s="${i}"` : '';
  };
  const textAttr = attr('text');
  const formulaAttr = attr('formulaText');
  const text = (v: string, ref: string) => inlineStringCell(v, name, textAttr, formulaAttr, ref);
  const numberCell = (key: CellStyleKey) => {
    const s = attr(key);
    return (v: string, ref: string) => `<c r="${ref}"${s}><v>${v}</v></c>`;
  };
  const nonNull =
    (f: (v: unknown, ref: string) => string): CellWriter =>
    (v, ref) =>
      v === null || v === undefined ? '' : f(v, ref);
  switch (column.type) {
    case 'boolean':
      return nonNull((v, ref) => `<c r="${ref}"${textAttr} t="b"><v>${v ? 1 : 0}</v></c>`);
    case 'int32': {
      const n = numberCell('int');
      return nonNull((v, ref) => n(String(v), ref));
    }
    case 'int64': {
      const n = numberCell('int');
      return nonNull((v, ref) => {
        if (typeof v === 'number' && Number.isSafeInteger(v)) return n(String(v), ref);
        const big = typeof v === 'bigint' ? v : BigInt(v as number | string);
        return big <= MAX_SAFE && big >= MIN_SAFE ? n(big.toString(), ref) : text(big.toString(), ref);
      });
    }
    case 'float64': {
      const n = numberCell('float');
      return nonNull((v, ref) => (Number.isFinite(v) ? n(String(v), ref) : text(String(v), ref)));
    }
    case 'decimal': {
      const n = numberCell(`decimal${Math.min(column.scale ?? 0, 15)}`);
      return nonNull((v, ref) => {
        const s = String(v);
        return /^-?\d+(\.\d+)?$/.test(s) ? n(s, ref) : text(s, ref);
      });
    }
    case 'date': {
      const n = numberCell('date');
      return nonNull((v, ref) => {
        const days = v as number;
        return days >= FIRST_SAFE_DAY ? n(String(days + EPOCH_SERIAL), ref) : text(daysToIsoDate(days), ref);
      });
    }
    case 'timestamp':
    case 'timestamptz': {
      const n = numberCell(column.type);
      return nonNull((v, ref) => {
        const micros = v as bigint;
        const days = Number(micros) / 86_400_000_000;
        return days >= FIRST_SAFE_DAY
          ? n(String(days + EPOCH_SERIAL), ref)
          : text(microsToIsoFixed(micros), ref);
      });
    }
    case 'binary':
      return nonNull((v, ref) => text(`\\x${Buffer.from(v as Uint8Array).toString('hex')}`, ref));
    default:
      return nonNull((v, ref) =>
        text(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v), ref),
      );
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A cell's XML from its parts (header, totals: the few cells not written per row). */
export function cellXml(ref: string, style: number, t: string | undefined, inner: string): string {
  return `<c r="${ref}"${style ? ` s="${style}"` : ''}${t ? ` t="${t}"` : ''}>${inner}</c>`;
}

/** True when a cell written by a CellWriter holds a number (no `t`: not text nor boolean). */
export function isNumberCell(xml: string): boolean {
  return xml !== '' && !xml.includes(' t="');
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
