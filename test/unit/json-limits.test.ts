import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../consumers/export-worker/decode-request.ts';
import { canonicalJson, requestHash } from '../../jobs/job-id.ts';
import { findJsonLimitViolation } from '../../schemas/json-limits.ts';

const deep = (n: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};

describe('findJsonLimitViolation', () => {
  const cases: [string, unknown, { field: string; rule: RegExp } | undefined][] = [
    ['a clean request', { query: { kind: 'table', filters: [{ value: ['a', 1, null] }] } }, undefined],
    ['NUL in a value', { query: { sql: 'SELECT 1\u0000' } }, { field: 'query.sql', rule: /NUL/ }],
    ['NUL in a key', { ['a\u0000b']: 1 }, { field: 'a\\u0000b', rule: /its name: .*NUL/ }],
    ['a lone high surrogate', { requestedBy: 'x\ud800' }, { field: 'requestedBy', rule: /well-formed/ }],
    ['a lone low surrogate in an array', { a: ['ok', '\udc00y'] }, { field: 'a.1', rule: /well-formed/ }],
    ['a proper surrogate pair is fine', { a: '😀 \ud83d\ude00' }, undefined],
    ['32 levels', deep(31), undefined],
    ['deeper than 32 levels', deep(40), { field: 'a'.repeat(32).split('').join('.'), rule: /32 levels/ }],
    ['a string too long', { s: 'x'.repeat(1_000_001) }, { field: 's', rule: /1000000 characters/ }],
    ['too many values', { a: new Array(200_001).fill(0) }, { field: '(body)', rule: /200000 values/ }],
  ];
  for (const [name, value, expected] of cases) {
    it(name, () => {
      const found = findJsonLimitViolation(value);
      if (!expected) expect(found).toBeUndefined();
      else expect(found).toMatchObject({ field: expected.field, rule: expect.stringMatching(expected.rule) });
    });
  }

  it('walks 100,000 levels without a stack overflow', () => {
    const text = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(findJsonLimitViolation(JSON.parse(text))?.rule).toMatch(/32 levels/);
  });
});

describe('canonicalJson / requestHash (iterative)', () => {
  it('matches the recursive form: keys sorted, undefined dropped', () => {
    expect(canonicalJson({ b: [1, { d: undefined, c: 'x' }], a: null })).toBe('{"a":null,"b":[1,{"c":"x"}]}');
    expect(requestHash({ b: 1, a: 2 })).toBe(requestHash({ a: 2, b: 1 }));
  });

  it('hashes a body nested 200,000 deep without overflowing', () => {
    expect(requestHash(deep(200_000))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('decodeRequest: hostile bytes are malformed (dead-lettered), never retried', () => {
  const base = {
    version: 1,
    requestId: 'r1',
    workspaceId: 'w',
    requestedBy: 'u',
    source: 's',
    format: 'csv',
  };
  const cases: [string, string, RegExp][] = [
    ['NUL', JSON.stringify({ ...base, requestedBy: 'a\u0000' }), /requestedBy: must not contain NUL/],
    ['lone surrogate', JSON.stringify(base).replace('"u"', '"\\ud800"'), /requestedBy: must be well-formed/],
    [
      'deep nesting',
      JSON.stringify(base).replace('}', `,"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`),
      /x(\.0)+: nested/,
    ],
  ];
  for (const [name, text, reason] of cases) {
    it(name, () => {
      const decoded = decodeRequest(Buffer.from(text));
      expect(decoded).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(reason) });
    });
  }
});
