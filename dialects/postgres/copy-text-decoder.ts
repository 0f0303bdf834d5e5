import { SluiceError } from '../../core/errors.ts';
import type { Row } from '../source.ts';
import type { TextConverter } from './text-values.ts';

const NEWLINE = 0x0a;
const BACKSLASH = 92;

/**
 * Decodes `COPY … TO STDOUT (FORMAT text)`: one line per row, fields split by tabs, `\N` for NULL, and
 * backslash escapes for the characters that would break that framing.
 *
 * Speed comes from working on strings, not bytes: a raw newline byte only ever ends a row (data newlines
 * are escaped) and never occurs inside a multi-byte UTF-8 sequence, so each chunk is cut after its last
 * newline and decoded to one string in a single native call. Fields are then found with indexOf (memchr
 * speed) and sliced; only lines that contain a backslash take the slower field-by-field path.
 */
export class CopyTextDecoder {
  private readonly converters: readonly TextConverter[];
  private readonly width: number;
  /** Bytes after the last complete line, waiting for the rest of their line. */
  private pending: Buffer[] = [];
  private text = '';
  private pos = 0;
  /** Index of the next backslash in `text` at or after some earlier `pos`, or -1 when there is none. */
  private nextBackslash = -1;

  constructor(converters: readonly TextConverter[]) {
    this.converters = converters;
    this.width = converters.length;
  }

  /** Adds COPY bytes. The rows of the previous write must have been read first. */
  write(chunk: Buffer): void {
    if (this.pos < this.text.length) throw new Error('CopyTextDecoder.write() before its rows were read');
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.pending.push(chunk);
      return;
    }
    if (this.pending.length === 0) {
      this.text = chunk.toString('utf8', 0, last + 1);
    } else {
      this.pending.push(chunk.subarray(0, last + 1));
      this.text = Buffer.concat(this.pending).toString('utf8');
      this.pending = [];
    }
    if (last + 1 < chunk.length) this.pending.push(chunk.subarray(last + 1));
    this.pos = 0;
    this.nextBackslash = this.text.indexOf('\\');
  }

  /**
   * Moves decoded rows into `batch` until it holds `max` rows or the complete lines run out.
   * Returns true when the batch is full (call again after handing it on: lines may remain).
   */
  read(batch: Row[], max: number): boolean {
    const text = this.text;
    const end = text.length;
    let pos = this.pos;
    while (pos < end) {
      if (batch.length >= max) break;
      const eol = text.indexOf('\n', pos);
      let bs = this.nextBackslash;
      if (bs !== -1 && bs < pos) bs = this.nextBackslash = text.indexOf('\\', pos);
      if (bs === -1 || bs > eol) {
        batch.push(this.plainRow(text, pos, eol));
      } else if (eol - pos === 2 && text.charCodeAt(pos) === BACKSLASH && text.charCodeAt(pos + 1) === 46) {
        // `\.` marks the end of data in the text format; COPY TO STDOUT does not send it, but it is legal.
      } else {
        batch.push(this.escapedRow(text, pos, eol));
      }
      pos = eol + 1;
    }
    this.pos = pos;
    return batch.length >= max;
  }

  /** Throws when the stream stopped inside a line (a truncated COPY must not look like a short result). */
  end(): void {
    if (this.pending.some((b) => b.length > 0)) {
      throw new SluiceError('QUERY_FAILED', 'COPY data ended in the middle of a row');
    }
  }

  /** A line without backslashes: no NULLs, no escapes, so every field is a plain slice. */
  private plainRow(text: string, start: number, eol: number): Row {
    const width = this.width;
    const conv = this.converters;
    const row: Row = new Array(width);
    const lastIndex = width - 1;
    for (let i = 0; i < lastIndex; i++) {
      const tab = text.indexOf('\t', start);
      if (tab === -1 || tab > eol) throw this.widthError(text, start, eol);
      row[i] = conv[i]!(text.slice(start, tab));
      start = tab + 1;
    }
    if (width === 0) {
      if (eol !== start) throw this.widthError(text, start, eol);
      return row;
    }
    const extra = text.indexOf('\t', start);
    if (extra !== -1 && extra < eol) throw this.widthError(text, start, eol);
    row[lastIndex] = conv[lastIndex]!(text.slice(start, eol));
    return row;
  }

  private escapedRow(text: string, start: number, eol: number): Row {
    const width = this.width;
    const conv = this.converters;
    const row: Row = new Array(width);
    if (width === 0) throw this.widthError(text, start, eol);
    for (let i = 0; i < width; i++) {
      const last = i === width - 1;
      const tab = text.indexOf('\t', start);
      const tabInLine = tab !== -1 && tab < eol;
      if (last === tabInLine) throw this.widthError(text, start, eol);
      const stop = last ? eol : tab;
      if (stop - start === 2 && text.charCodeAt(start) === BACKSLASH && text.charCodeAt(start + 1) === 78) {
        row[i] = null; // \N
      } else {
        const bs = text.indexOf('\\', start);
        row[i] = conv[i]!(
          bs === -1 || bs >= stop ? text.slice(start, stop) : unescapeCopyText(text, start, stop),
        );
      }
      start = stop + 1;
    }
    return row;
  }

  private widthError(text: string, start: number, eol: number): SluiceError {
    return new SluiceError(
      'QUERY_FAILED',
      `COPY row does not have the ${this.width} columns the query described (did the table change?)`,
      { details: { line: text.slice(start, Math.min(eol, start + 200)) } },
    );
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * `text[start, end)` with COPY's backslash escapes resolved: `\b \f \n \r \t \v`, `\ooo` octal and `\xhh`
 * hex bytes (runs of them are decoded together as UTF-8, since one character may take several), and any
 * other `\c` meaning `c` itself (so `\\` is one backslash).
 */
export function unescapeCopyText(text: string, start: number, end: number): string {
  let out = '';
  let run = start;
  let i = text.indexOf('\\', start);
  while (i !== -1 && i < end) {
    out += text.slice(run, i);
    const c = i + 1 < end ? text[i + 1]! : '';
    if (isOctal(c) || (c === 'x' && isHex(text[i + 2]))) {
      const bytes: number[] = [];
      while (i < end && text.charCodeAt(i) === BACKSLASH) {
        const parsed = byteEscape(text, i, end);
        if (!parsed) break;
        bytes.push(parsed.byte);
        i = parsed.next;
      }
      out += Buffer.from(bytes).toString('utf8');
    } else {
      out += SIMPLE_ESCAPES[c] ?? c;
      i += 2;
    }
    run = i;
    i = text.indexOf('\\', i);
  }
  return out + text.slice(run, end);
}

function byteEscape(text: string, at: number, end: number): { byte: number; next: number } | null {
  const c = text[at + 1];
  if (c !== undefined && isOctal(c)) {
    let j = at + 1;
    let byte = 0;
    while (j < end && j < at + 4 && isOctal(text[j])) byte = byte * 8 + Number(text[j++]);
    return { byte: byte & 0xff, next: j };
  }
  if (c === 'x' && isHex(text[at + 2])) {
    let j = at + 2;
    let byte = 0;
    while (j < end && j < at + 4 && isHex(text[j])) byte = byte * 16 + parseInt(text[j++]!, 16);
    return { byte, next: j };
  }
  return null;
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}
