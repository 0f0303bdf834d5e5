import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LogicalType } from '../../schemas/column.ts';
import { createPostgresSource } from '../../dialects/postgres/source.ts';
import type { Query, Row, Source, StreamOptions, TableQuery } from '../../dialects/source.ts';

// The real PostgreSQL 15: every table lives in a schema of its own, dropped at the end.
const schema = `sluice_pg_${randomUUID().slice(0, 8)}`;
const q = (name: string) => `"${schema}"."${name}"`;
let url: string;
let admin: pg.Client;
let source: Source;

interface TypeCase {
  name: string;
  /** The column's SQL type; `{schema}` is replaced by the test schema. */
  sqlType: string;
  type: LogicalType;
  /** Input (text PostgreSQL parses, a Buffer for bytea, null) → the row value the source must produce. */
  values: [string | Buffer | null, unknown][];
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const LONG_TEXT = 'long 😀 text\t\\ '.repeat(20_000); // ~300 kB: spans many COPY chunks
const TRICKY_TEXTS = [
  '',
  'tab\there',
  'new\nline\r\nand cr\r',
  'back\\slash \\N \\t \\\\',
  '\\N',
  `'single' "double" \`back\``,
  '😀 日本語 中文 한국어 é ñ 𝄞',
  '\u0001\u0007\u0008\u000b\u000c\u001f control',
  'NULL',
  LONG_TEXT,
];

const cases: TypeCase[] = [
  {
    name: 'int2',
    sqlType: 'int2',
    type: 'int32',
    values: [
      ['-32768', -32768],
      ['32767', 32767],
      ['0', 0],
      [null, null],
    ],
  },
  {
    name: 'int4',
    sqlType: 'int4',
    type: 'int32',
    values: [
      ['-2147483648', -2147483648],
      ['2147483647', 2147483647],
    ],
  },
  {
    name: 'int8',
    sqlType: 'int8',
    type: 'int64',
    values: [
      ['9223372036854775807', 9223372036854775807n],
      ['-9223372036854775808', -9223372036854775808n],
      ['-9223372036854775807', -9223372036854775807n],
      ['9007199254740993', 9007199254740993n],
      ['0', 0n],
      [null, null],
    ],
  },
  {
    name: 'float4',
    sqlType: 'float4',
    type: 'float64',
    values: [
      ['0.1', 0.1],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
      ['-0', -0],
      ['3.4028235e38', 3.4028235e38],
      ['1e-45', 1e-45],
      ['16777217', 16777216],
    ],
  },
  {
    name: 'float8',
    sqlType: 'float8',
    type: 'float64',
    values: [
      ['5e-324', 5e-324],
      ['1.7976931348623157e308', 1.7976931348623157e308],
      ['2.2250738585072014e-308', 2.2250738585072014e-308],
      ['-0', -0],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
      ['0.30000000000000004', 0.1 + 0.2],
      ['123456789.12345679', 123456789.12345679],
      [null, null],
    ],
  },
  {
    name: 'numeric_38_10',
    sqlType: 'numeric(38,10)',
    type: 'decimal',
    values: [
      ['9999999999999999999999999999.9999999999', '9999999999999999999999999999.9999999999'],
      ['-9999999999999999999999999999.9999999999', '-9999999999999999999999999999.9999999999'],
      ['0.0000000001', '0.0000000001'],
      ['0', '0.0000000000'],
      ['1.5', '1.5000000000'],
    ],
  },
  {
    name: 'numeric',
    sqlType: 'numeric',
    type: 'decimal',
    values: [
      [
        '123456789012345678901234567890.123456789012345678901234567890',
        '123456789012345678901234567890.123456789012345678901234567890',
      ],
      ['-0.5', '-0.5'],
      ['1e-20', '0.00000000000000000001'],
      ['NaN', 'NaN'],
      ['Infinity', 'Infinity'],
    ],
  },
  {
    name: 'bool',
    sqlType: 'bool',
    type: 'boolean',
    values: [
      ['true', true],
      ['false', false],
      [null, null],
    ],
  },
  {
    name: 'text',
    sqlType: 'text',
    type: 'string',
    values: [...TRICKY_TEXTS.map((t): [string, string] => [t, t]), [null, null]],
  },
  { name: 'varchar', sqlType: 'varchar(10)', type: 'string', values: [['short 😀', 'short 😀']] },
  { name: 'bpchar', sqlType: 'char(5)', type: 'string', values: [['ab', 'ab   ']] },
  { name: 'name', sqlType: 'name', type: 'string', values: [['pg_name', 'pg_name']] },
  { name: 'citext', sqlType: '{citext}', type: 'string', values: [['MiXeD Case', 'MiXeD Case']] },
  {
    name: 'enum',
    sqlType: '{schema}.mood',
    type: 'string',
    values: [
      ['happy', 'happy'],
      ['so so', 'so so'],
      [null, null],
    ],
  },
  {
    name: 'bytea',
    sqlType: 'bytea',
    type: 'binary',
    values: [
      [ALL_BYTES, new Uint8Array(ALL_BYTES)],
      [Buffer.alloc(0), new Uint8Array(0)],
      [null, null],
    ],
  },
  {
    name: 'date',
    sqlType: 'date',
    type: 'date',
    values: [
      ['1970-01-01', 0],
      ['1969-12-31', -1],
      ['1900-03-01', -25508],
      ['0001-01-01', -719162],
      ['0001-12-31 BC', -719163],
      ['4713-01-01 BC', -2440550],
      ['2024-02-29', 19782],
      ['5874897-12-31', 2145042905],
    ],
  },
  {
    name: 'timestamp',
    sqlType: 'timestamp',
    type: 'timestamp',
    values: [
      ['1970-01-01 00:00:00', 0n],
      ['2024-04-01 10:15:00.123456', 1711966500123456n],
      ['1969-12-31 23:59:59.999999', -1n],
      ['1900-01-01 00:00:00.000001', -2208988799999999n],
      ['0044-03-15 12:00:00.5 BC', -63517780799500000n],
      ['4713-01-01 00:00:00 BC', -210863520000000000n],
    ],
  },
  {
    name: 'timestamp_3',
    sqlType: 'timestamp(3)',
    type: 'timestamp',
    values: [['2024-04-01 10:15:00.1235', 1711966500124000n]],
  },
  {
    name: 'timestamptz',
    sqlType: 'timestamptz',
    type: 'timestamptz',
    values: [
      ['2024-04-01 12:15:00.123456+02', 1711966500123456n],
      ['1969-12-31 23:59:59.999999+00', -1n],
      ['2024-07-01 00:00:00 America/New_York', 1719806400000000n],
      ['1890-01-01 00:00:00+00', -2524521600000000n],
      ['0044-03-15 12:00:00.5+00 BC', -63517780799500000n],
    ],
  },
  {
    name: 'json',
    sqlType: 'json',
    type: 'json',
    values: [['{"b": 1,  "a": [1, 2]}', '{"b": 1,  "a": [1, 2]}']],
  },
  {
    name: 'jsonb',
    sqlType: 'jsonb',
    type: 'json',
    values: [['{"b": 1, "a": [1, 2], "k": "😀\\t\\""}', '{"a": [1, 2], "b": 1, "k": "😀\\t\\""}']],
  },
  {
    name: 'uuid',
    sqlType: 'uuid',
    type: 'uuid',
    values: [['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
  },
  { name: 'time', sqlType: 'time', type: 'string', values: [['12:34:56.789', '12:34:56.789']] },
  {
    name: 'timetz',
    sqlType: 'timetz',
    type: 'string',
    values: [['12:00:00.123+05:30', '12:00:00.123+05:30']],
  },
  {
    name: 'interval',
    sqlType: 'interval',
    type: 'string',
    values: [
      ['1 year 2 mons 3 days 04:05:06.5', 'P1Y2M3DT4H5M6.5S'],
      ['-1 days -00:00:01', 'P-1DT-1S'],
    ],
  },
  {
    name: 'inet',
    sqlType: 'inet',
    type: 'string',
    values: [
      ['192.168.0.1/24', '192.168.0.1/24'],
      ['::1', '::1'],
    ],
  },
  { name: 'cidr', sqlType: 'cidr', type: 'string', values: [['10.0.0.0/8', '10.0.0.0/8']] },
  {
    name: 'macaddr',
    sqlType: 'macaddr',
    type: 'string',
    values: [['08:00:2b:01:02:03', '08:00:2b:01:02:03']],
  },
  { name: 'money', sqlType: 'money', type: 'string', values: [['12.50', '$12.50']] },
  {
    name: 'int4_array',
    sqlType: 'int4[]',
    type: 'json',
    values: [
      ['{1,NULL,3}', '[1,null,3]'],
      ['{{1,2},{3,4}}', '[[1,2],[3,4]]'],
      ['{{{1},{2}},{{3},{4}}}', '[[[1],[2]],[[3],[4]]]'],
      ['[0:1]={5,6}', '[5,6]'],
      ['{}', '[]'],
      [null, null],
    ],
  },
  {
    name: 'text_array',
    sqlType: 'text[]',
    type: 'json',
    values: [
      [
        '{"a b","q\\"x",NULL,"NULL","back\\\\slash","","{}",", comma","😀 日本","tab\tnew\nline"}',
        JSON.stringify([
          'a b',
          'q"x',
          null,
          'NULL',
          'back\\slash',
          '',
          '{}',
          ', comma',
          '😀 日本',
          'tab\tnew\nline',
        ]),
      ],
    ],
  },
  {
    name: 'int8_array',
    sqlType: 'int8[]',
    type: 'json',
    values: [['{9223372036854775807}', '[9223372036854775807]']],
  },
  {
    name: 'float8_array',
    sqlType: 'float8[]',
    type: 'json',
    values: [['{1.5,NaN,-Infinity,-0,5e-324}', '[1.5,"NaN","-Infinity",-0,5e-324]']],
  },
  {
    name: 'numeric_array',
    sqlType: 'numeric[]',
    type: 'json',
    values: [['{0.10,123456789012345678901234567890.5}', '[0.10,123456789012345678901234567890.5]']],
  },
  { name: 'bool_array', sqlType: 'bool[]', type: 'json', values: [['{t,f,NULL}', '[true,false,null]']] },
  {
    name: 'jsonb_array',
    sqlType: 'jsonb[]',
    type: 'json',
    values: [['{"{\\"a\\": 1}",NULL}', '[{"a": 1},null]']],
  },
  {
    name: 'enum_array',
    sqlType: '{schema}.mood[]',
    type: 'json',
    values: [['{happy,"so so"}', '["happy","so so"]']],
  },
  {
    name: 'date_array',
    sqlType: 'date[]',
    type: 'json',
    values: [['{1970-01-01,NULL}', '["1970-01-01",null]']],
  },
  {
    name: 'timestamptz_array',
    sqlType: 'timestamptz[]',
    type: 'json',
    values: [['{"2024-04-01 12:15:00+02"}', '["2024-04-01 10:15:00+00"]']],
  },
  {
    name: 'box_array',
    sqlType: 'box[]',
    type: 'json',
    values: [['{(1,1),(0,0);(3,3),(2,2)}', '["(1,1),(0,0)","(3,3),(2,2)"]']],
  },
  { name: 'domain', sqlType: '{schema}.price', type: 'decimal', values: [['12.345', '12.35']] },
];

let citextType = 'citext';

beforeAll(async () => {
  url = inject('infra').DATABASE_URL;
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.query(`CREATE TYPE ${q('mood')} AS ENUM ('happy', 'so so')`);
  await admin.query(`CREATE DOMAIN ${q('price')} AS numeric(10,2)`);
  await admin.query(`CREATE SEQUENCE ${q('seq')}`);
  // citext is an extension type with a per-database OID; it goes into our schema unless already installed.
  await admin.query(`CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA "${schema}"`);
  const ext = await admin.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'citext'`,
  );
  citextType = `"${ext.rows[0]!.nspname}".citext`;
  for (const c of cases) {
    const sqlType = c.sqlType.replace('{schema}', `"${schema}"`).replace('{citext}', citextType);
    await admin.query(`CREATE TABLE ${q(`t_${c.name}`)} (i int4 PRIMARY KEY, v ${sqlType})`);
    for (const [i, [input]] of c.values.entries()) {
      await admin.query(`INSERT INTO ${q(`t_${c.name}`)} (i, v) VALUES ($1, $2)`, [i, input]);
    }
  }
  source = createPostgresSource({ url });
}, 120_000);

afterAll(async () => {
  await source?.close();
  await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin?.end();
});

async function collect(src: Source, query: Query, options?: StreamOptions) {
  const stream = await src.stream(query, options);
  const batches: Row[][] = [];
  for await (const batch of stream.batches) batches.push(batch);
  return { ...stream, batches, rows: batches.flat() };
}

/** The same table rows through COPY (no bound values) and through the cursor (a tautological bound filter). */
async function bothPaths(table: string, options?: StreamOptions) {
  const base: TableQuery = { kind: 'table', table: `${schema}.${table}`, orderBy: [{ column: 'i' }] };
  const copy = await collect(source, base, options);
  const cursor = await collect(
    source,
    { ...base, filters: [{ column: 'i', op: 'gte', value: -1 }] },
    options,
  );
  expect(copy.compiled.params).toEqual([]);
  expect(cursor.compiled.params).toEqual([-1]);
  return { copy, cursor };
}

describe('PostgreSQL source: every type round-trips exactly (COPY and cursor alike)', () => {
  for (const c of cases) {
    it(`${c.name} (${c.sqlType})`, async () => {
      const { copy, cursor } = await bothPaths(`t_${c.name}`);
      expect(copy.columns[1]!.type).toBe(c.type);
      expect(copy.rows).toEqual(c.values.map(([, value], i) => [i, value]));
      expect(cursor.rows).toEqual(copy.rows);
      expect(cursor.columns).toEqual(copy.columns);
    });
  }

  it('keeps NULL and the empty string apart, and -0 apart from 0', async () => {
    const { copy } = await bothPaths('t_text');
    expect(copy.rows[0]![1]).toBe('');
    expect(copy.rows.at(-1)![1]).toBeNull();
    const floats = (await bothPaths('t_float8')).cursor.rows;
    expect(Object.is(floats[3]![1], -0)).toBe(true);
  });

  it('binary values are Uint8Arrays', async () => {
    const { copy, cursor } = await bothPaths('t_bytea');
    for (const rows of [copy.rows, cursor.rows]) expect(rows[0]![1]).toBeInstanceOf(Uint8Array);
  });

  it('refuses ±infinity dates and timestamps, naming the column, on both paths', async () => {
    await admin.query(`CREATE TABLE ${q('infinite')} (i int4, "when" timestamptz, d date)`);
    await admin.query(
      `INSERT INTO ${q('infinite')} VALUES (1, 'infinity', '2024-01-01'), (2, 'now', '-infinity')`,
    );
    for (const filters of [[], [{ column: 'i', op: 'gte' as const, value: 0 }]]) {
      const stream = collect(source, { kind: 'table', table: `${schema}.infinite`, filters });
      await expect(stream).rejects.toMatchObject({
        code: 'VALUE_UNREPRESENTABLE',
        message: expect.stringContaining('"when"'),
      });
    }
  });
});

describe('PostgreSQL source: column metadata', () => {
  it('describes numeric precision/scale, native names, domains, arrays and NOT NULL', async () => {
    await admin.query(
      `CREATE TABLE ${q('meta')} (id int8 NOT NULL, amount numeric(38,10), loose numeric, price ${q('price')},
       tags text[], code varchar(20) NOT NULL, at timestamptz(3), m ${q('mood')})`,
    );
    const columns = await source.describe({ kind: 'table', table: `${schema}.meta` });
    expect(columns).toEqual([
      { name: 'id', type: 'int64', nativeType: 'bigint', nullable: false },
      {
        name: 'amount',
        type: 'decimal',
        nativeType: 'numeric(38,10)',
        precision: 38,
        scale: 10,
        nullable: true,
      },
      { name: 'loose', type: 'decimal', nativeType: 'numeric', nullable: true },
      // The protocol describes a domain column by its base type (with the domain's modifier).
      {
        name: 'price',
        type: 'decimal',
        nativeType: 'numeric(10,2)',
        precision: 10,
        scale: 2,
        nullable: true,
      },
      { name: 'tags', type: 'json', nativeType: 'text[]', nullable: true },
      { name: 'code', type: 'string', nativeType: 'character varying(20)', nullable: false },
      { name: 'at', type: 'timestamptz', nativeType: 'timestamp(3) with time zone', nullable: true },
      { name: 'm', type: 'string', nativeType: `${schema}.mood`, nullable: true },
    ]);
    const stream = await source.stream({ kind: 'table', table: `${schema}.meta` });
    expect(stream.columns).toEqual(columns);
    for await (const _ of stream.batches); // empty table: no batches, connection back to the pool
  });

  it('describes raw SQL without running it: a nextval() in it does not advance the sequence', async () => {
    const columns = await source.describe({
      kind: 'sql',
      sql: `SELECT nextval('${q('seq')}') AS n, $1::text AS label, 1.5::numeric(4,1) AS x`,
      params: ['a'],
    });
    expect(columns).toEqual([
      { name: 'n', type: 'int64', nativeType: 'bigint' },
      { name: 'label', type: 'string', nativeType: 'text' },
      { name: 'x', type: 'decimal', nativeType: 'numeric(4,1)', precision: 4, scale: 1 },
    ]);
    const { rows } = await admin.query(`SELECT last_value, is_called FROM ${q('seq')}`);
    expect(rows[0]).toEqual({ last_value: '1', is_called: false });
  });

  it('rejects a statement that returns no rows', async () => {
    await expect(source.describe({ kind: 'sql', sql: `DO $$ BEGIN END $$` })).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      details: { errors: [{ field: 'query.sql', rule: 'must return rows (a SELECT)' }] },
    });
  });
});

describe('PostgreSQL source: table queries through the shared compiler', () => {
  beforeAll(async () => {
    await admin.query(`CREATE TABLE ${q('Mixed Case')} (id int4, "we""ird" text, "select" bool)`);
    await admin.query(
      `INSERT INTO ${q('Mixed Case')} SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'v' || i END, i % 2 = 0
       FROM generate_series(1, 20) i`,
    );
  });

  it('filters, orders and limits with bound values, identically on both paths', async () => {
    const query: Query = {
      kind: 'table',
      table: `${schema}.Mixed Case`,
      columns: ['id', 'we"ird'],
      filters: [
        { column: 'select', op: 'eq', value: true },
        { column: 'we"ird', op: 'is_not_null' },
        { column: 'id', op: 'not_in', value: [4, 8] },
      ],
      orderBy: [{ column: 'id', direction: 'desc' }],
      limit: 3,
    };
    const cursor = await collect(source, query);
    expect(cursor.compiled.sql).toBe(
      `SELECT "id", "we""ird" FROM "${schema}"."Mixed Case" WHERE "select" = $1 AND "we""ird" IS NOT NULL` +
        ` AND "id" NOT IN ($2, $3) ORDER BY "id" DESC LIMIT 3`,
    );
    expect(cursor.compiled.params).toEqual([true, 4, 8]);
    expect(cursor.rows).toEqual([
      [20, 'v20'],
      [16, 'v16'],
      [14, 'v14'],
    ]);
    expect(await source.compile(query)).toEqual(cursor.compiled);
    // Without bound values the same select goes through COPY.
    const copy = await collect(source, { ...query, filters: [{ column: 'we"ird', op: 'is_not_null' }] });
    expect(copy.rows).toEqual([
      [20, 'v20'],
      [19, 'v19'],
      [17, 'v17'],
    ]);
  });

  it('resolves an unqualified table through the connection’s search_path', async () => {
    const scoped = createPostgresSource({
      url: `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    });
    try {
      const result = await collect(scoped, { kind: 'table', table: 'Mixed Case', columns: ['id'], limit: 2 });
      expect(result.compiled.sql).toBe(`SELECT "id" FROM "${schema}"."Mixed Case" LIMIT 2`);
      expect(result.rows).toHaveLength(2);
    } finally {
      await scoped.close();
    }
  });

  it('unknown tables and columns fail with their codes', async () => {
    const table = { kind: 'table', table: `${schema}.nope` } as const;
    await expect(source.compile(table)).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    await expect(source.stream(table)).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    await expect(source.describe({ kind: 'table', table: 'no_such_schema.t' })).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
    });
    await expect(
      source.stream({ kind: 'table', table: `${schema}.Mixed Case`, columns: ['nope'] }),
    ).rejects.toMatchObject({ code: 'COLUMN_NOT_FOUND' });
    await expect(source.stream({ kind: 'sql', sql: `SELECT * FROM ${q('nope')}` })).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
      details: { sqlstate: '42P01' },
    });
  });
});

describe('PostgreSQL source: raw SQL and errors', () => {
  it('binds raw SQL parameters (cursor) and runs parameterless SQL through COPY', async () => {
    const sql = `SELECT i, 'row ' || i AS label FROM generate_series(1, 5) i WHERE i > $1 -- trailing comment`;
    const bound = await collect(source, { kind: 'sql', sql, params: [3] });
    expect(bound.rows).toEqual([
      [4, 'row 4'],
      [5, 'row 5'],
    ]);
    const copy = await collect(source, { kind: 'sql', sql: 'SELECT 1 AS one; ' });
    expect(copy.rows).toEqual([[1]]);
    const show = await collect(source, { kind: 'sql', sql: 'SHOW TimeZone' });
    expect(show.rows).toEqual([['UTC']]);
  });

  it('a syntax error is QUERY_FAILED with its SQLSTATE', async () => {
    await expect(source.stream({ kind: 'sql', sql: 'SELEC 1' })).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      details: { sqlstate: '42601' },
    });
  });

  it('an error midway through the rows fails the iteration, on both paths, and the pool lives on', async () => {
    const single = createPostgresSource({ url, poolSize: 1 });
    try {
      const sql = `SELECT 10 / (i - 3000) AS x FROM generate_series(1, 5000) i WHERE i > $1`;
      for (const query of [
        { kind: 'sql', sql: sql.replace('$1', '0') },
        { kind: 'sql', sql, params: [0] },
      ] satisfies Query[]) {
        await expect(collect(single, query, { batchRows: 500 })).rejects.toMatchObject({
          code: 'QUERY_FAILED',
          details: { sqlstate: '22012' },
        });
        expect((await collect(single, { kind: 'sql', sql: 'SELECT 2 AS two' })).rows).toEqual([[2]]);
      }
    } finally {
      await single.close();
    }
  });

  it('statement_timeout surfaces as QUERY_TIMEOUT on both paths', async () => {
    const impatient = createPostgresSource({ url, poolSize: 1, statementTimeoutMs: 200 });
    try {
      for (const query of [
        { kind: 'sql', sql: 'SELECT pg_sleep(5) AS z' },
        { kind: 'sql', sql: 'SELECT pg_sleep($1) AS z', params: [5] },
      ] satisfies Query[]) {
        await expect(collect(impatient, query)).rejects.toMatchObject({
          code: 'QUERY_TIMEOUT',
          details: { sqlstate: '57014' },
        });
      }
    } finally {
      await impatient.close();
    }
  });

  it('a refused connection is SOURCE_UNAVAILABLE and retriable', async () => {
    const down = createPostgresSource({ url: 'postgres://postgres:secret@127.0.0.1:1/test' });
    try {
      const err = await down.stream({ kind: 'sql', sql: 'SELECT 1' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SOURCE_UNAVAILABLE', retriable: true });
      expect((err as Error).message).not.toContain('secret');
    } finally {
      await down.close();
    }
  });
});

describe('PostgreSQL source: batches, early stop and abort', () => {
  let single: Source;
  beforeAll(() => {
    single = createPostgresSource({ url, poolSize: 1 });
  });
  afterAll(() => single.close());

  /** pid and query text of backends (other than ours) running a query that contains the marker. */
  async function running(marker: string) {
    const { rows } = await admin.query<{ pid: number; query: string }>(
      `SELECT pid, query FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active'
         AND position($1 in query) > 0`,
      [marker],
    );
    return rows;
  }

  async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const backendGone = async (pid: number) =>
    (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0;

  // SRF in the select list streams (ProjectSet); in FROM it would be materialized first.
  const endless = (marker: string, bound: boolean) =>
    `SELECT i, repeat('x', 100) AS pad /* ${marker} */ FROM (SELECT generate_series(1, 1000000000) AS i) s` +
    (bound ? ' WHERE i > $1' : '');

  it('never yields more than batchRows rows, on both paths', async () => {
    await admin.query(`CREATE TABLE ${q('counted')} AS SELECT i FROM generate_series(1, 25000) i`);
    const { copy, cursor } = await bothPaths('counted', { batchRows: 1000 });
    for (const run of [copy, cursor]) {
      expect(run.batches).toHaveLength(25);
      expect(run.batches.every((b) => b.length === 1000)).toBe(true);
      expect(run.rows.map((r) => r[0])).toEqual(Array.from({ length: 25000 }, (_, i) => i + 1));
    }
    const odd = await collect(source, { kind: 'table', table: `${schema}.counted` }, { batchRows: 777 });
    expect(odd.batches.map((b) => b.length).reduce((a, b) => Math.max(a, b))).toBe(777);
    expect(odd.rows).toHaveLength(25000);
  });

  for (const bound of [false, true]) {
    const path = bound ? 'cursor' : 'COPY';

    it(`stopping early (${path}) ends the query on the server and frees the connection`, async () => {
      const marker = `early_${bound ? 'cursor' : 'copy'}_${randomUUID().slice(0, 8)}`;
      const stream = await single.stream(
        { kind: 'sql', sql: endless(marker, bound), params: bound ? [0] : [] },
        { batchRows: 1000 },
      );
      let batches = 0;
      let pid = 0;
      for await (const batch of stream.batches) {
        expect(batch.length).toBeLessThanOrEqual(1000);
        if (++batches === 1) {
          const active = await running(marker);
          expect(active).toHaveLength(1);
          // The statement on the wire shows which path ran.
          expect(active[0]!.query.startsWith('COPY (')).toBe(!bound);
          pid = active[0]!.pid;
        }
        if (batches === 3) break; // the iterator's return(): the consumer stops early
      }
      await waitUntil(`backend ${pid} is gone`, () => backendGone(pid));
      expect(await running(marker)).toEqual([]);
      // poolSize 1: had the connection not been given up, this would wait forever.
      expect((await collect(single, { kind: 'sql', sql: 'SELECT 3 AS three' })).rows).toEqual([[3]]);
    });

    it(`aborting (${path}) while the server is still computing cancels the query`, async () => {
      const marker = `abort_busy_${bound ? 'cursor' : 'copy'}_${randomUUID().slice(0, 8)}`;
      const controller = new AbortController();
      const stream = await single.stream(
        bound
          ? { kind: 'sql', sql: `SELECT pg_sleep($1) AS z /* ${marker} */`, params: [60] }
          : { kind: 'sql', sql: `SELECT pg_sleep(60) AS z /* ${marker} */` },
        { signal: controller.signal },
      );
      const first = stream.batches[Symbol.asyncIterator]().next();
      let pid = 0;
      await waitUntil('the query runs', async () => {
        pid = (await running(marker))[0]?.pid ?? 0;
        return pid !== 0;
      });
      controller.abort();
      await expect(first).rejects.toMatchObject({ name: 'AbortError' });
      // A closed socket alone would leave pg_sleep running for a minute; the cancel request stops it now.
      await waitUntil(`backend ${pid} is gone`, () => backendGone(pid));
      expect((await collect(single, { kind: 'sql', sql: 'SELECT 4 AS four' })).rows).toEqual([[4]]);
    });

    it(`aborting (${path}) while the consumer holds a batch cancels the query at once`, async () => {
      const marker = `abort_parked_${bound ? 'cursor' : 'copy'}_${randomUUID().slice(0, 8)}`;
      const controller = new AbortController();
      const stream = await single.stream(
        { kind: 'sql', sql: endless(marker, bound), params: bound ? [0] : [] },
        { signal: controller.signal, batchRows: 500 },
      );
      const iterator = stream.batches[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toHaveLength(500);
      const pid = (await running(marker))[0]!.pid;
      controller.abort();
      // The generator is parked at its yield; the abort alone must end the server's work.
      await waitUntil(`backend ${pid} is gone`, () => backendGone(pid));
      await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
      expect((await collect(single, { kind: 'sql', sql: 'SELECT 5 AS five' })).rows).toEqual([[5]]);
    });
  }

  it('a stream given up before its first batch gives its connection back', async () => {
    for (const query of [
      { kind: 'sql', sql: 'SELECT 1 AS one' },
      { kind: 'sql', sql: 'SELECT $1::int AS one', params: [1] },
    ] satisfies Query[]) {
      const stream = await single.stream(query);
      await stream.batches[Symbol.asyncIterator]().return?.();
      // poolSize 1: a stranded connection would make this wait forever.
      expect((await collect(single, query)).rows).toEqual([[1]]);
    }
  });

  it('an already aborted signal fails before anything runs', async () => {
    await expect(
      single.stream({ kind: 'sql', sql: 'SELECT 1' }, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('PostgreSQL source: 1M rows with bounded memory', () => {
  const rows = 1_000_000;
  const batchRows = 8192;

  beforeAll(async () => {
    await admin.query(
      `CREATE TABLE ${q('million')} AS
       SELECT i::int8 AS id, timestamp '2024-01-01' + i * interval '1 second' AS ts,
              substr(md5((i % 50)::text), 1, 24) AS entity, 'category-' || (i % 10) AS category,
              i * 1.37::float8 AS amount, (i % 1000)::int4 AS qty,
              CASE WHEN i % 10 = 0 THEN NULL ELSE 'note ' || i || ' lorem ipsum dolor sit' END AS note
       FROM generate_series(1, ${rows}) i`,
    );
  }, 120_000);

  for (const path of ['COPY', 'cursor'] as const) {
    it(`streams through ${path} in bounded batches`, async () => {
      const query: Query = {
        kind: 'table',
        table: `${schema}.million`,
        ...(path === 'cursor' ? { filters: [{ column: 'id', op: 'gte', value: 0 }] } : {}),
      };
      const before = process.memoryUsage();
      let peakHeap = before.heapUsed;
      let peakRss = before.rss;
      let count = 0;
      let idSum = 0n;
      let largest = 0;
      const started = performance.now();
      const stream = await source.stream(query, { batchRows });
      for await (const batch of stream.batches) {
        largest = Math.max(largest, batch.length);
        count += batch.length;
        for (const row of batch) idSum += row[0] as bigint;
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      }
      const seconds = (performance.now() - started) / 1000;
      const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
      console.log(
        `[postgres ${path}] ${count} rows in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} rows/s; ` +
          `heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)}, rss ${mb(before.rss)} → peak ${mb(peakRss)}`,
      );
      expect(count).toBe(rows);
      expect(idSum).toBe((BigInt(rows) * BigInt(rows + 1)) / 2n);
      expect(largest).toBe(batchRows);
      // The whole result is ~100 MB as text and several times that as JS rows; holding a few batches is
      // a few MB. A generous bound still catches a stream that buffers everything.
      expect(peakHeap - before.heapUsed).toBeLessThan(160 * 2 ** 20);
    });
  }
});
