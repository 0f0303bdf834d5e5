import { SluiceError } from '../../core/errors.ts';

/**
 * How array elements appear in the JSON text: numbers keep every digit PostgreSQL printed (int8 and
 * numeric stay exact in the JSON text even where a JS number could not hold them), booleans become
 * true/false, json/jsonb elements are embedded as JSON, everything else is a JSON string of its text form.
 */
export type ArrayElementKind = 'number' | 'boolean' | 'json' | 'string';

const LBRACE = 123; // {
const RBRACE = 125; // }
const QUOTE = 34; // "
const BACKSLASH = 92;
const MINUS = 45;

/**
 * PostgreSQL's array output (`{1,NULL,"a \"b\""}`, nested `{{1,2},{3,4}}`, with an optional
 * `[0:1]=` bounds prefix when a lower bound is not 1) → a JSON array. Bounds are dropped: JSON arrays start
 * at 0 whatever the SQL subscripts were. The delimiter is the element type's `typdelim` (`;` for box).
 */
export function arrayLiteralToJson(text: string, kind: ArrayElementKind, delimiter = ','): string {
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  let i = 0;
  if (text.charCodeAt(0) === 91 /* [ */) {
    i = text.indexOf('=') + 1;
    if (i === 0) throw malformed(text);
  }
  if (text.charCodeAt(i) !== LBRACE) throw malformed(text);
  let out = '';
  let depth = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === LBRACE) {
      out += '[';
      depth++;
      i++;
    } else if (c === RBRACE) {
      out += ']';
      i++;
      if (--depth === 0) break;
    } else if (c === delim) {
      out += ',';
      i++;
    } else if (c === QUOTE) {
      // Quoted: backslash escapes the next character; a quoted "NULL" is the string, not SQL NULL.
      let value = '';
      let run = ++i;
      for (;;) {
        const q = text.charCodeAt(i);
        if (q === QUOTE) break;
        if (q !== q) throw malformed(text); // NaN: ran off the end
        if (q === BACKSLASH) {
          value += text.slice(run, i);
          run = ++i; // keep the escaped character itself
        }
        i++;
      }
      value += text.slice(run, i);
      i++;
      out += element(value, kind);
    } else {
      const start = i;
      let hasEscape = false;
      for (; i < n; i++) {
        const u = text.charCodeAt(i);
        if (u === delim || u === RBRACE) break;
        if (u === BACKSLASH) {
          hasEscape = true;
          i++;
        }
      }
      const raw = text.slice(start, i);
      if (!hasEscape && raw.length === 4 && raw.toUpperCase() === 'NULL') out += 'null';
      else out += element(hasEscape ? raw.replace(/\\(.)/gs, '$1') : raw, kind);
    }
  }
  if (depth !== 0 || i !== n) throw malformed(text);
  return out;
}

function element(value: string, kind: ArrayElementKind): string {
  switch (kind) {
    case 'number': {
      // NaN and ±Infinity (float, numeric) are not JSON numbers; they stay strings.
      const c = value.charCodeAt(value.charCodeAt(0) === MINUS ? 1 : 0);
      return c >= 48 && c <= 57 ? value : JSON.stringify(value);
    }
    case 'boolean':
      return value === 't' ? 'true' : value === 'f' ? 'false' : JSON.stringify(value);
    case 'json':
      return value;
    default:
      return JSON.stringify(value);
  }
}

function malformed(text: string): SluiceError {
  return new SluiceError(
    'VALUE_UNREPRESENTABLE',
    `unexpected array text ${JSON.stringify(text.slice(0, 64))}`,
    { details: { value: text.slice(0, 64) } },
  );
}
