import { Transform } from 'node:stream';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export interface TakenRows {
  /** The rows' bytes with every row ending in CRLF. */
  head: Buffer;
  rows: number;
  /** What follows the `maxRows`-th row end, when the limit stopped the scan inside the chunk. */
  rest: Buffer | undefined;
}

/**
 * Finds row ends in RFC 4180 CSV as PostgreSQL's COPY writes it (rows end in LF; a field holding a quote,
 * delimiter or line break is quoted, inner quotes doubled), across chunk borders. A line break inside
 * quotes is data; doubled quotes toggle the state twice, so counting quotes is enough. Row ends become CRLF
 * on the way, as encoders/csv writes them, so both paths give the same bytes.
 */
export class CsvRowScanner {
  #inQuotes = false;
  #ends = new Int32Array(1024);
  /** false: rows keep the engine's LF (`lineEnding: 'lf'`), so chunks pass through uncopied. */
  readonly #crlf: boolean;

  constructor({ crlf = true }: { crlf?: boolean } = {}) {
    this.#crlf = crlf;
  }

  /** Inside a quoted field at the end of what was scanned (a row is open whatever the last byte). */
  get inQuotes(): boolean {
    return this.#inQuotes;
  }

  take(chunk: Buffer, maxRows = Infinity): TakenRows {
    const len = chunk.length;
    let pos = 0;
    let rows = 0;
    let nextQuote = chunk.indexOf(QUOTE, 0);
    let inQuotes = this.#inQuotes;
    while (rows < maxRows && pos < len) {
      if (inQuotes) {
        if (nextQuote === -1) {
          pos = len;
          break;
        }
        inQuotes = false;
        pos = nextQuote + 1;
        nextQuote = chunk.indexOf(QUOTE, pos);
        continue;
      }
      const lf = chunk.indexOf(LF, pos);
      if (nextQuote !== -1 && (lf === -1 || nextQuote < lf)) {
        inQuotes = true;
        pos = nextQuote + 1;
        nextQuote = chunk.indexOf(QUOTE, pos);
        continue;
      }
      if (lf === -1) {
        pos = len;
        break;
      }
      if (rows === this.#ends.length) {
        const grown = new Int32Array(rows * 2);
        grown.set(this.#ends);
        this.#ends = grown;
      }
      this.#ends[rows++] = lf;
      pos = lf + 1;
    }
    this.#inQuotes = inQuotes;
    return {
      head: this.#withCrlf(chunk, pos, rows),
      rows,
      rest: pos < len ? chunk.subarray(pos) : undefined,
    };
  }

  #withCrlf(chunk: Buffer, end: number, rows: number): Buffer {
    if (rows === 0 || !this.#crlf) return end === chunk.length ? chunk : chunk.subarray(0, end);
    const out = Buffer.allocUnsafe(end + rows);
    let from = 0;
    let at = 0;
    for (let i = 0; i < rows; i++) {
      const lf = this.#ends[i]!;
      at += chunk.copy(out, at, from, lf);
      out[at++] = CR;
      out[at++] = LF;
      from = lf + 1;
    }
    chunk.copy(out, at, from, end);
    return out;
  }
}

/**
 * Engine-written CSV → the file's bytes: the header first (encoders/csv's own, so both paths agree),
 * row ends rewritten to CRLF (unless `crlf: false`), rows counted as they pass for progress.
 */
export function createCsvRowTransform(
  header: string,
  onRows: (rows: number) => void,
  { crlf = true }: { crlf?: boolean } = {},
): Transform {
  const scanner = new CsvRowScanner({ crlf });
  let pending = header;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      const { head, rows } = scanner.take(chunk);
      if (rows > 0) onRows(rows);
      if (pending) {
        const out = Buffer.concat([Buffer.from(pending, 'utf8'), head]);
        pending = '';
        return callback(null, out);
      }
      callback(null, head);
    },
    flush(callback) {
      callback(null, pending ? Buffer.from(pending, 'utf8') : null);
    },
  });
}

/** A fixed first line (a CSV header) before whatever passes; alone, for an empty file. */
export function createHeaderPrefix(header: string): Transform {
  let pending = header;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      if (!pending) return callback(null, chunk);
      const out = Buffer.concat([Buffer.from(pending, 'utf8'), chunk]);
      pending = '';
      callback(null, out);
    },
    flush(callback) {
      callback(null, pending ? Buffer.from(pending, 'utf8') : null);
    },
  });
}
