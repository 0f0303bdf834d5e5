import { describe, expect, it } from 'vitest';
import { Oid } from '../../dialects/postgres/oids.ts';
import { numericTypmod, planColumn, type PgType } from '../../dialects/postgres/types.ts';

const catalog = new Map<number, PgType>(
  [
    {
      oid: 1007,
      name: '_int4',
      kind: 'b',
      category: 'A',
      elem: Oid.int4,
      base: 0,
      baseTypmod: -1,
      delimiter: ',',
    },
    {
      oid: Oid.int4,
      name: 'int4',
      kind: 'b',
      category: 'N',
      elem: 0,
      base: 0,
      baseTypmod: -1,
      delimiter: ',',
    },
    { oid: 1020, name: '_box', kind: 'b', category: 'A', elem: 603, base: 0, baseTypmod: -1, delimiter: ',' },
    { oid: 603, name: 'box', kind: 'b', category: 'G', elem: 0, base: 0, baseTypmod: -1, delimiter: ';' },
    { oid: 90001, name: 'mood', kind: 'e', category: 'E', elem: 0, base: 0, baseTypmod: -1, delimiter: ',' },
    {
      oid: 90002,
      name: 'price',
      kind: 'd',
      category: 'N',
      elem: 0,
      base: Oid.numeric,
      baseTypmod: 655366,
      delimiter: ',',
    },
    {
      oid: 90003,
      name: '_price',
      kind: 'b',
      category: 'A',
      elem: 90002,
      base: 0,
      baseTypmod: -1,
      delimiter: ',',
    },
    {
      oid: 90004,
      name: 'citext',
      kind: 'b',
      category: 'S',
      elem: 0,
      base: 0,
      baseTypmod: -1,
      delimiter: ',',
    },
  ].map((t) => [t.oid, t]),
);
const plan = (dataTypeID: number, dataTypeModifier = -1) =>
  planColumn({ name: 'c', dataTypeID, dataTypeModifier }, 'native', (oid) => catalog.get(oid));

describe('PostgreSQL type → column and converter', () => {
  it.each([
    [Oid.bool, 'boolean', 't', true],
    [Oid.int2, 'int32', '-32768', -32768],
    [Oid.int4, 'int32', '7', 7],
    [Oid.int8, 'int64', '7', 7n],
    [Oid.float4, 'float64', '0.1', 0.1],
    [Oid.float8, 'float64', '-0.5', -0.5],
    [Oid.numeric, 'decimal', '1.50', '1.50'],
    [Oid.text, 'string', 'x', 'x'],
    [Oid.name, 'string', 'x', 'x'],
    [Oid.json, 'json', '{"a": 1}', '{"a": 1}'],
    [Oid.jsonb, 'json', '{"a": 1}', '{"a": 1}'],
    [Oid.uuid, 'uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [Oid.date, 'date', '1970-01-02', 1],
    [Oid.timestamp, 'timestamp', '1970-01-01 00:00:01', 1_000_000n],
    [Oid.timestamptz, 'timestamptz', '1970-01-01 00:00:01+00', 1_000_000n],
    [Oid.interval, 'string', 'P1D', 'P1D'],
    [Oid.money, 'string', '$1.00', '$1.00'],
    [90001, 'string', 'happy', 'happy'],
    [90004, 'string', 'MiXeD', 'MiXeD'],
    [1007, 'json', '{1,NULL}', '[1,null]'],
    [90003, 'json', '{1.50,NULL}', '[1.50,null]'],
    [1020, 'json', '{(1,1),(0,0);(2,2),(1,1)}', '["(1,1),(0,0)","(2,2),(1,1)"]'],
  ] as const)('oid %i → %s', (oid, type, text, value) => {
    const { column, convert } = plan(oid);
    expect(column.type).toBe(type);
    expect(column.nativeType).toBe('native');
    expect(convert(text)).toEqual(value);
  });

  it('numeric(p,s) carries precision and scale; unconstrained numeric neither', () => {
    expect(plan(Oid.numeric, ((38 << 16) | 10) + 4).column).toMatchObject({ precision: 38, scale: 10 });
    const loose = plan(Oid.numeric).column;
    expect(loose.type).toBe('decimal');
    expect(loose.precision).toBeUndefined();
    expect(loose.scale).toBeUndefined();
  });

  it('a domain takes its base type, with the domain’s own typmod', () => {
    expect(plan(90002).column).toMatchObject({ type: 'decimal', precision: 10, scale: 2 });
  });

  it('decodes numeric typmods, negative scales included (PostgreSQL 15)', () => {
    expect(numericTypmod(-1)).toEqual({});
    expect(numericTypmod(((10 << 16) | 2) + 4)).toEqual({ precision: 10, scale: 2 });
    expect(numericTypmod(((3 << 16) | (-2 & 0x7ff)) + 4)).toEqual({ precision: 3, scale: -2 });
  });
});
