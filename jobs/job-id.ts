import { createHash } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * The job id is derived from (workspaceId, requestId) alone, so every delivery of a request — and every
 * worker that sees it — agrees on the job and on its object key without coordinating.
 */
export function jobIdFor(workspaceId: string, requestId: string): string {
  const digest = createHash('sha256').update(workspaceId).update('\0').update(requestId).digest();
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of digest) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
    if (out.length === 26) break;
  }
  return `exp_${out}`;
}

/** A stable hash of a request body: same key, different body is a conflict, not the same job. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * Keys sorted, `undefined` members dropped, written without recursion: a body nested arbitrarily deep (a
 * hostile Kafka record) costs time in proportion to its size, never a stack overflow.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Each frame is either a value still to write or a literal piece of punctuation.
  const stack: ({ value: unknown } | { text: string })[] = [{ value }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ('text' in frame) {
      out.push(frame.text);
      continue;
    }
    const v = frame.value;
    if (Array.isArray(v)) {
      const pieces: ({ value: unknown } | { text: string })[] = [{ text: '[' }];
      v.forEach((item, i) => {
        if (i > 0) pieces.push({ text: ',' });
        pieces.push({ value: item });
      });
      pieces.push({ text: ']' });
      for (let i = pieces.length - 1; i >= 0; i--) stack.push(pieces[i]!);
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const pieces: ({ value: unknown } | { text: string })[] = [{ text: '{' }];
      entries.forEach(([key, item], i) => {
        pieces.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
        pieces.push({ value: item });
      });
      pieces.push({ text: '}' });
      for (let i = pieces.length - 1; i >= 0; i--) stack.push(pieces[i]!);
    } else {
      out.push(JSON.stringify(v));
    }
  }
  return out.join('');
}
