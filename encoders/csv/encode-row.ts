import type { Column } from '../../schemas/column.ts';
import type { LineEnding } from '../encoder.ts';
import { daysToIsoDate, microsToIsoFixed } from '../../core/time.ts';

/**
 * RFC 4180 text for one batch. NULL is an empty field and an empty string is `""`, as PostgreSQL's
 * COPY … CSV writes them, so the two stay apart for any reader that cares.
 */
export interface CsvDialect {
  delimiter: string;
  /** `crlf` (RFC 4180, the default) or `lf` (what Unix tools and most loaders are happy with) */
  lineEnding?: LineEnding;
}

type FieldFormatter = (value: unknown) => string;

export function createRowEncoder(
  columns: Column[],
  { delimiter, lineEnding = 'crlf' }: CsvDialect,
): (row: unknown[]) => string {
  const eol = lineEnding === 'lf' ? '\n' : '\r\n';
  const needsQuotes = new RegExp(`["\\r\\n${escapeRegExp(delimiter)}]`);
  const quoteText = (text: string): string =>
    text === '' ? '""' : needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  const formatters = columns.map((c) => formatterFor(c, quoteText));
  const n = formatters.length;
  return (row) => {
    let line = '';
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (i > 0) line += delimiter;
      if (v !== null && v !== undefined) line += formatters[i]!(v);
    }
    return line + eol;
  };
}

export function encodeHeader(columns: Column[], dialect: CsvDialect): string {
  const encode = createRowEncoder(
    columns.map((c) => ({ name: c.name, type: 'string' })),
    dialect,
  );
  return encode(columns.map((c) => c.name));
}

function formatterFor(column: Column, quoteText: (s: string) => string): FieldFormatter {
  switch (column.type) {
    case 'boolean':
      return (v) => (v ? 'true' : 'false');
    case 'int32':
    case 'int64':
    case 'float64':
    case 'decimal':
      return (v) => String(v);
    case 'date':
      return (v) => daysToIsoDate(v as number);
    // As in the JSON formats: six fraction digits; `Z` marks instants, a wall-clock timestamp has no zone.
    case 'timestamp':
      return (v) => microsToIsoFixed(v as bigint);
    case 'timestamptz':
      return (v) => `${microsToIsoFixed(v as bigint)}Z`;
    case 'binary':
      return (v) => `\\x${Buffer.from(v as Uint8Array).toString('hex')}`;
    default:
      return (v) => quoteText(typeof v === 'string' ? v : String(v));
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
