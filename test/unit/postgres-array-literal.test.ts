import { describe, expect, it } from 'vitest';
import { arrayLiteralToJson, type ArrayElementKind } from '../../dialects/postgres/array-literal.ts';

describe('PostgreSQL array text → JSON text', () => {
  const cases: [string, ArrayElementKind, string, unknown][] = [
    ['empty', 'number', '{}', []],
    ['ints with NULL', 'number', '{1,-2,NULL}', [1, -2, null]],
    [
      'nested',
      'number',
      '{{1,2},{3,NULL}}',
      [
        [1, 2],
        [3, null],
      ],
    ],
    ['bounds prefix dropped', 'number', '[0:1]={5,6}', [5, 6]],
    ['2-d bounds prefix', 'number', '[0:1][1:1]={{5},{6}}', [[5], [6]]],
    ['float specials stay strings', 'number', '{1.5,NaN,-Infinity,1e+308}', [1.5, 'NaN', '-Infinity', 1e308]],
    ['booleans', 'boolean', '{t,f,NULL}', [true, false, null]],
    [
      'quoted, NULL as text, escapes',
      'string',
      '{"a b","q\\"x",NULL,"NULL","back\\\\slash","","{}"," sp"}',
      ['a b', 'q"x', null, 'NULL', 'back\\slash', '', '{}', ' sp'],
    ],
    ['unicode', 'string', '{"日本 語",😀,é}', ['日本 語', '😀', 'é']],
    ['box uses ;', 'string', '{(3,4),(1,2);(5,6),(0,0)}', ['(3,4),(1,2)', '(5,6),(0,0)']],
    ['jsonb elements embedded', 'json', '{"{\\"a\\": 1}",NULL,"[1, \\"x\\"]"}', [{ a: 1 }, null, [1, 'x']]],
    ['tab and newline in quotes', 'string', '{"a\tb\nc"}', ['a\tb\nc']],
  ];
  for (const [name, kind, text, expected] of cases) {
    it(name, () => {
      const json = arrayLiteralToJson(text, kind, name === 'box uses ;' ? ';' : ',');
      expect(JSON.parse(json)).toEqual(expected);
    });
  }

  it('keeps every digit of int8 and numeric elements in the JSON text', () => {
    expect(arrayLiteralToJson('{9223372036854775807,0.12345678901234567890123}', 'number')).toBe(
      '[9223372036854775807,0.12345678901234567890123]',
    );
  });

  it('rejects text that is not an array', () => {
    for (const text of ['', '1,2', '{1,2', '{"a}', '[0:1]{1}']) {
      expect(() => arrayLiteralToJson(text, 'string')).toThrow(
        expect.objectContaining({ code: 'VALUE_UNREPRESENTABLE' }),
      );
    }
  });
});
