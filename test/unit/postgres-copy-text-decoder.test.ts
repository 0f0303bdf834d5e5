import { describe, expect, it } from 'vitest';
import { CopyTextDecoder, unescapeCopyText } from '../../dialects/postgres/copy-text-decoder.ts';
import type { Row } from '../../dialects/source.ts';

const text = (s: string) => s;

function decodeAll(chunks: Buffer[], width: number, max = 1000): Row[][] {
  const decoder = new CopyTextDecoder(Array.from({ length: width }, () => text));
  const batches: Row[][] = [];
  let batch: Row[] = [];
  for (const chunk of chunks) {
    decoder.write(chunk);
    while (decoder.read(batch, max)) {
      batches.push(batch);
      batch = [];
    }
  }
  decoder.end();
  if (batch.length > 0) batches.push(batch);
  return batches;
}

// What COPY … TO STDOUT (FORMAT text) sends for these rows (escapes as the server writes them).
const COPY = [
  'plain\tone\n',
  '\\N\t\n', // NULL, then the empty string
  'a\\tb\\nc\\\\d\\re\\bf\\fg\\vh\t\\\\N\n', // every escape; a literal backslash-N is text, not NULL
  '日本語 😀 é\t"quoted" \'single\'\n',
  '\t\\N\n',
].join('');
const ROWS = [
  ['plain', 'one'],
  [null, ''],
  ['a\tb\nc\\d\re\bf\fg\vh', '\\N'],
  ['日本語 😀 é', '"quoted" \'single\''],
  ['', null],
];

describe('COPY text decoder', () => {
  it('decodes NULLs, empty strings, escapes and unicode', () => {
    expect(decodeAll([Buffer.from(COPY)], 2).flat()).toEqual(ROWS);
  });

  it('gives the same rows however the bytes are split, even inside a UTF-8 character', () => {
    const bytes = Buffer.from(COPY);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const rows = decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)], 2).flat();
      expect(rows, `cut at ${cut}`).toEqual(ROWS);
    }
    const oneByteChunks = [...bytes].map((b) => Buffer.from([b]));
    expect(decodeAll(oneByteChunks, 2).flat()).toEqual(ROWS);
  });

  it('never puts more than max rows in a batch', () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => `${i}\tx\n`).join(''));
    const batches = decodeAll([bytes.subarray(0, 3001), bytes.subarray(3001)], 2, 64);
    expect(batches.every((b) => b.length <= 64)).toBe(true);
    expect(batches.flat().map((r) => r[0])).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });

  it('applies one converter per column and never to NULL', () => {
    const calls: string[] = [];
    const decoder = new CopyTextDecoder([Number, (t) => (calls.push(t), t.toUpperCase())]);
    decoder.write(Buffer.from('1\ta\n2\t\\N\n'));
    const batch: Row[] = [];
    decoder.read(batch, 10);
    expect(batch).toEqual([
      [1, 'A'],
      [2, null],
    ]);
    expect(calls).toEqual(['a']);
  });

  it('rejects rows with the wrong number of fields', () => {
    for (const line of ['a\n', 'a\tb\tc\n', 'a\\n\n', 'a\\n\tb\tc\n']) {
      const decoder = new CopyTextDecoder([text, text]);
      decoder.write(Buffer.from(line));
      expect(() => decoder.read([], 10), JSON.stringify(line)).toThrow(
        expect.objectContaining({ code: 'QUERY_FAILED' }),
      );
    }
  });

  it('rejects data that ends inside a row', () => {
    const decoder = new CopyTextDecoder([text]);
    decoder.write(Buffer.from('a\nb'));
    decoder.read([], 10);
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: 'QUERY_FAILED' }));
  });

  it('skips the \\. end-of-data marker', () => {
    expect(decodeAll([Buffer.from('a\n\\.\n')], 1).flat()).toEqual([['a']]);
  });
});

describe('COPY text unescaping', () => {
  const cases: [string, string][] = [
    ['no escapes', 'no escapes'],
    ['\\\\', '\\'],
    ['\\101\\x42\\7', 'AB\x07'],
    // Byte escapes are bytes: runs of them form UTF-8 characters.
    ['\\303\\251t\\xc3\\xa9', 'été'],
    ['\\xe6\\x97\\xa5本', '日本'],
    ['\\q\\"', 'q"'],
    ['tail\\', 'tail'],
  ];
  for (const [escaped, plain] of cases) {
    it(`${JSON.stringify(escaped)} → ${JSON.stringify(plain)}`, () => {
      expect(unescapeCopyText(`>${escaped}<`, 1, escaped.length + 1)).toBe(plain);
    });
  }
});
