import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LogicalType } from '../../schemas/column.ts';
import { isoToMicros } from '../../core/time.ts';
import type { Query, RowBatch, Source, StreamOptions } from '../../dialects/source.ts';
import { createMysqlSource } from '../../dialects/mysql/source.ts';

// The MySQL/MariaDB source against the real MariaDB: exact values for every type, the table compiler,
// bounded batches, backpressure, and statements stopped on the server when the consumer goes away.

const prefix = `sluice_src_${randomBytes(4).toString('hex')}_`;
const t = (name: string) => `${prefix}${name}`;

let admin: mysql.Connection;
let source: Source;

async function readAll(src: Source, query: Query, options?: StreamOptions) {
  const stream = await src.stream(query, options);
  const rows: unknown[][] = [];
  const batchSizes: number[] = [];
  for await (const batch of stream.batches) {
    batchSizes.push(batch.length);
    rows.push(...batch);
  }
  return { ...stream, rows, batchSizes };
}

/** Statements other connections are running whose text contains `marker`. */
async function serverStatements(marker: string): Promise<{ id: number; info: string }[]> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()',
    [`%${marker}%`],
  );
  return rows as { id: number; info: string }[];
}

async function connectionExists(id: number): Promise<boolean> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?',
    [id],
  );
  return Number(rows[0]!.n) > 0;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

beforeAll(async () => {
  admin = await mysql.createConnection({ uri: inject('infra').MYSQL_URL, charset: 'utf8mb4' });
  // Zero dates are allowed by MariaDB's default sql_mode; make sure of it whatever this server says.
  await admin.query("SET SESSION sql_mode = 'STRICT_TRANS_TABLES', SESSION time_zone = '+00:00'");
  source = createMysqlSource({ url: inject('infra').MYSQL_URL });
});

afterAll(async () => {
  await source?.close();
  if (!admin) return;
  const [tables] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?',
    [`${prefix.replaceAll('_', '\\_')}%`],
  );
  for (const { name } of tables) await admin.query(`DROP TABLE \`${name as string}\``);
  await admin.end();
});

// ---------------------------------------------------------------------------------------------------------

interface TypeCase {
  name: string;
  ddl: string;
  /** SQL literals, one row each, in id order. */
  literals: string[];
  type: LogicalType;
  expected: unknown[];
  precision?: number;
  scale?: number;
}

const text = (s: string) => mysql.escape(s);
const days = (iso: string) =>
  Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8))) / 86_400_000;
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const tricky = [
  '',
  'héllo wörld',
  '日本語のテキスト',
  '😀🎉 emoji need utf8mb4',
  'tab\there',
  'lines\nand\r\nmore',
  'back\\slash \\n not a newline',
  `quotes ' and " and \``,
  'nul \0 inside',
];

const cases: TypeCase[] = [
  {
    name: 'tinyint',
    ddl: 'TINYINT',
    literals: ['-128', '127', '0', 'NULL'],
    type: 'int32',
    expected: [-128, 127, 0, null],
  },
  { name: 'tinyint unsigned', ddl: 'TINYINT UNSIGNED', literals: ['255'], type: 'int32', expected: [255] },
  {
    name: 'smallint',
    ddl: 'SMALLINT',
    literals: ['-32768', '32767'],
    type: 'int32',
    expected: [-32768, 32767],
  },
  {
    name: 'smallint unsigned',
    ddl: 'SMALLINT UNSIGNED',
    literals: ['65535'],
    type: 'int32',
    expected: [65535],
  },
  {
    name: 'mediumint',
    ddl: 'MEDIUMINT',
    literals: ['-8388608', '8388607'],
    type: 'int32',
    expected: [-8388608, 8388607],
  },
  {
    name: 'mediumint unsigned',
    ddl: 'MEDIUMINT UNSIGNED',
    literals: ['16777215'],
    type: 'int32',
    expected: [16777215],
  },
  {
    name: 'int',
    ddl: 'INT',
    literals: ['-2147483648', '2147483647'],
    type: 'int32',
    expected: [-2147483648, 2147483647],
  },
  {
    name: 'int unsigned',
    ddl: 'INT UNSIGNED',
    literals: ['4294967295', '0'],
    type: 'int64',
    expected: [4294967295n, 0n],
  },
  {
    name: 'bigint',
    ddl: 'BIGINT',
    literals: ['-9223372036854775808', '9223372036854775807', '9007199254740993', 'NULL'],
    type: 'int64',
    expected: [-9223372036854775808n, 9223372036854775807n, 9007199254740993n, null],
  },
  {
    name: 'bigint unsigned',
    ddl: 'BIGINT UNSIGNED',
    literals: ['18446744073709551615', '0'],
    type: 'decimal',
    precision: 20,
    scale: 0,
    expected: ['18446744073709551615', '0'],
  },
  {
    name: 'boolean',
    ddl: 'BOOLEAN',
    literals: ['TRUE', 'FALSE', 'NULL'],
    type: 'boolean',
    expected: [true, false, null],
  },
  {
    name: 'decimal(38,10)',
    ddl: 'DECIMAL(38,10)',
    literals: [
      "'9999999999999999999999999999.9999999999'",
      "'-9999999999999999999999999999.9999999999'",
      "'0.0000000001'",
      "'-0.5'",
      '0',
      'NULL',
    ],
    type: 'decimal',
    precision: 38,
    scale: 10,
    expected: [
      '9999999999999999999999999999.9999999999',
      '-9999999999999999999999999999.9999999999',
      '0.0000000001',
      '-0.5000000000',
      '0.0000000000',
      null,
    ],
  },
  {
    name: 'decimal(65,30)',
    ddl: 'DECIMAL(65,30)',
    literals: [`'${'9'.repeat(35)}.${'9'.repeat(30)}'`, `'-${'9'.repeat(35)}.${'9'.repeat(29)}1'`],
    type: 'decimal',
    precision: 65,
    scale: 30,
    expected: [`${'9'.repeat(35)}.${'9'.repeat(30)}`, `-${'9'.repeat(35)}.${'9'.repeat(29)}1`],
  },
  {
    name: 'double',
    ddl: 'DOUBLE',
    // As text, so the server parses each (strtod) instead of the client writing a literal.
    literals: [
      "'1.7976931348623157e308'",
      "'-1.7976931348623157e308'",
      "'5e-324'",
      "'2.2250738585072014e-308'",
      "'0.30000000000000004'",
      // mysql2's own parser reads this one as 10000000000 (one ulp off); sluice keeps the server's text.
      "'9999999999.999998'",
      "'123456789012345680'",
      'NULL',
    ],
    type: 'float64',
    expected: [
      1.7976931348623157e308,
      -1.7976931348623157e308,
      5e-324,
      2.2250738585072014e-308,
      0.30000000000000004,
      9999999999.999998,
      123456789012345680,
      null,
    ],
  },
  {
    name: 'float (server sends 6 significant digits)',
    ddl: 'FLOAT',
    // FLOAT is single precision and the text protocol prints it with FLT_DIG (6) digits: 1234567 comes
    // back as 1234570, exactly as the mysql client shows it. DOUBLE has no such loss.
    literals: ['1.5', '-0.25', '1234567', "'3.4028234e38'"],
    type: 'float64',
    expected: [1.5, -0.25, 1234570, 3.40282e38],
  },
  {
    name: 'varchar',
    ddl: 'VARCHAR(100)',
    literals: [...tricky.map(text), 'NULL'],
    type: 'string',
    expected: [...tricky, null],
  },
  {
    name: 'text',
    ddl: 'TEXT',
    literals: [...tricky.map(text), 'NULL'],
    type: 'string',
    expected: [...tricky, null],
  },
  {
    name: 'char',
    ddl: 'CHAR(5)',
    literals: ["'ab'", "''", "'日本'"],
    type: 'string',
    expected: ['ab', '', '日本'],
  },
  {
    name: 'enum',
    ddl: "ENUM('a','b','ü')",
    literals: ["'a'", "'ü'", 'NULL'],
    type: 'string',
    expected: ['a', 'ü', null],
  },
  {
    name: 'set',
    ddl: "SET('x','y','z')",
    literals: ["'x,z'", "''", 'NULL'],
    type: 'string',
    expected: ['x,z', '', null],
  },
  {
    name: 'blob',
    ddl: 'BLOB',
    literals: [`X'${Buffer.from(allBytes).toString('hex')}'`, "''", 'NULL'],
    type: 'binary',
    expected: [allBytes, new Uint8Array(0), null],
  },
  {
    name: 'varbinary',
    ddl: 'VARBINARY(300)',
    literals: [`X'${Buffer.from(allBytes).toString('hex')}'`, "X'00'"],
    type: 'binary',
    expected: [allBytes, Uint8Array.of(0)],
  },
  {
    name: 'binary (right-padded with zero bytes)',
    ddl: 'BINARY(4)',
    literals: ["X'ff'"],
    type: 'binary',
    expected: [Uint8Array.of(0xff, 0, 0, 0)],
  },
  { name: 'bit(1)', ddl: 'BIT(1)', literals: ["b'0'", "b'1'"], type: 'boolean', expected: [false, true] },
  {
    name: 'bit(12)',
    ddl: 'BIT(12)',
    literals: ["b'101010101010'", "b'0'"],
    type: 'int64',
    expected: [0b101010101010n, 0n],
  },
  {
    name: 'bit(63)',
    ddl: 'BIT(63)',
    literals: [`b'${'1'.repeat(63)}'`],
    type: 'int64',
    expected: [2n ** 63n - 1n],
  },
  {
    name: 'bit(64)',
    ddl: 'BIT(64)',
    literals: [`b'${'1'.repeat(64)}'`],
    type: 'decimal',
    precision: 20,
    scale: 0,
    expected: ['18446744073709551615'],
  },
  {
    name: 'date (before 1970, year 1, the zero date as null)',
    ddl: 'DATE',
    literals: [
      "'1001-01-01'",
      "'1969-12-31'",
      "'1970-01-01'",
      "'2024-02-29'",
      "'9999-12-31'",
      "'0001-01-01'",
      "'0000-00-00'",
      'NULL',
    ],
    type: 'date',
    expected: [days('1001-01-01'), -1, 0, days('2024-02-29'), days('9999-12-31'), -719_162, null, null],
  },
  {
    name: 'datetime(6)',
    ddl: 'DATETIME(6)',
    literals: [
      "'2024-01-02 03:04:05.123456'",
      "'1969-12-31 23:59:59.999999'",
      "'1001-01-01 00:00:00.000001'",
      "'9999-12-31 23:59:59.999999'",
      "'0000-00-00 00:00:00'",
    ],
    type: 'timestamp',
    expected: [
      isoToMicros('2024-01-02T03:04:05.123456Z'),
      -1n,
      isoToMicros('1001-01-01T00:00:00.000001Z'),
      253_402_300_799_999_999n,
      null,
    ],
  },
  {
    name: 'datetime(3)',
    ddl: 'DATETIME(3)',
    literals: ["'2024-01-02 03:04:05.5'"],
    type: 'timestamp',
    expected: [isoToMicros('2024-01-02T03:04:05.5Z')],
  },
  {
    name: 'datetime',
    ddl: 'DATETIME',
    literals: ["'2024-01-02 03:04:05'"],
    type: 'timestamp',
    expected: [isoToMicros('2024-01-02T03:04:05Z')],
  },
  {
    name: 'timestamp(6)',
    ddl: 'TIMESTAMP(6) NULL',
    literals: ["'1970-01-01 00:00:01.000001'", "'2038-01-19 03:14:07.999999'", 'NULL'],
    type: 'timestamptz',
    expected: [1_000_001n, isoToMicros('2038-01-19T03:14:07.999999Z'), null],
  },
  {
    name: 'time (a duration, as text)',
    ddl: 'TIME(6)',
    literals: ["'-838:59:59'", "'12:34:56.789012'", "'00:00:00'"],
    type: 'string',
    expected: ['-838:59:59.000000', '12:34:56.789012', '00:00:00.000000'],
  },
  { name: 'year', ddl: 'YEAR', literals: ['1901', '2155', '0'], type: 'int32', expected: [1901, 2155, 0] },
  {
    name: 'json (its text kept, big numbers too)',
    ddl: 'JSON',
    literals: [text('{"a": 12345678901234567890, "b": [1.10, "x\\ny"], "c": "😀"}'), "'[]'", 'NULL'],
    type: 'json',
    expected: ['{"a": 12345678901234567890, "b": [1.10, "x\\ny"], "c": "😀"}', '[]', null],
  },
  {
    name: 'uuid',
    ddl: 'UUID',
    literals: ["'123e4567-e89b-12d3-a456-426614174000'", 'NULL'],
    type: 'uuid',
    expected: ['123e4567-e89b-12d3-a456-426614174000', null],
  },
  {
    name: 'inet6',
    ddl: 'INET6',
    literals: ["'::ffff:1.2.3.4'"],
    type: 'string',
    expected: ['::ffff:1.2.3.4'],
  },
];

describe('MySQL source: every type round-trips exactly (real MariaDB)', () => {
  beforeAll(async () => {
    for (const [i, c] of cases.entries()) {
      await admin.query(`CREATE TABLE \`${t(`type${i}`)}\` (id INT PRIMARY KEY, v ${c.ddl})`);
      const values = c.literals.map((literal, row) => `(${row + 1}, ${literal})`).join(', ');
      await admin.query(`INSERT INTO \`${t(`type${i}`)}\` (id, v) VALUES ${values}`);
    }
  });

  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const query: Query = {
        kind: 'table',
        table: t(`type${i}`),
        columns: ['v'],
        orderBy: [{ column: 'id' }],
      };
      const { columns, rows } = await readAll(source, query);
      expect(columns[0]).toMatchObject({ name: 'v', type: c.type });
      if (c.precision !== undefined)
        expect(columns[0]).toMatchObject({ precision: c.precision, scale: c.scale });
      expect(rows.map((r) => r[0])).toStrictEqual(c.expected);
      // describe() reads the same metadata without running the statement.
      expect(await source.describe(query)).toStrictEqual(columns);
    });
  }

  it('binary values are plain Uint8Arrays, not views into a socket buffer', async () => {
    const { rows } = await readAll(source, {
      kind: 'table',
      table: t(`type${cases.findIndex((c) => c.name === 'blob')}`),
    });
    const value = rows[0]![1] as Uint8Array;
    expect(value.constructor).toBe(Uint8Array);
    expect(value.buffer.byteLength).toBe(256);
  });

  it('TIMESTAMP is exported as UTC whatever zone it was written in', async () => {
    await admin.query(`CREATE TABLE \`${t('tz')}\` (v TIMESTAMP(6) NULL)`);
    await admin.query("SET SESSION time_zone = '+05:00'");
    await admin.query(`INSERT INTO \`${t('tz')}\` VALUES ('2024-06-01 12:00:00.000001')`);
    await admin.query("SET SESSION time_zone = '+00:00'");
    const { rows } = await readAll(source, { kind: 'table', table: t('tz') });
    expect(rows).toStrictEqual([[isoToMicros('2024-06-01T07:00:00.000001Z')]]);
  });

  it('20 000 random doubles come back bit for bit', async () => {
    await admin.query(`CREATE TABLE \`${t('doubles')}\` (id INT PRIMARY KEY, v DOUBLE)`);
    const values = Array.from(
      { length: 20_000 },
      () => (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20),
    );
    for (let i = 0; i < values.length; i += 2000) {
      const chunk = values.slice(i, i + 2000).map((v, j) => `(${i + j}, '${v}')`);
      await admin.query(`INSERT INTO \`${t('doubles')}\` VALUES ${chunk.join(', ')}`);
    }
    const { rows } = await readAll(source, {
      kind: 'table',
      table: t('doubles'),
      orderBy: [{ column: 'id' }],
    });
    expect(rows.map((r) => r[1])).toStrictEqual(values);
  });

  it('geometry arrives as the server’s bytes (SRID + WKB)', async () => {
    await admin.query(`CREATE TABLE \`${t('geo')}\` (g POINT)`);
    await admin.query(`INSERT INTO \`${t('geo')}\` VALUES (POINT(1, 2))`);
    const [[hex]] = (
      await admin.query({ sql: `SELECT HEX(g) FROM \`${t('geo')}\``, rowsAsArray: true })
    )[0] as [[string]];
    const { columns, rows } = await readAll(source, { kind: 'table', table: t('geo') });
    expect(columns[0]).toMatchObject({ type: 'binary', nativeType: 'point' });
    expect(
      Buffer.from(rows[0]![0] as Uint8Array)
        .toString('hex')
        .toUpperCase(),
    ).toBe(hex);
  });

  it('a TINYINT(1) holding 2 fails the export rather than becoming true', async () => {
    await admin.query(`CREATE TABLE \`${t('flag')}\` (f TINYINT(1))`);
    await admin.query(`INSERT INTO \`${t('flag')}\` VALUES (1), (2)`);
    await expect(readAll(source, { kind: 'table', table: t('flag') })).rejects.toMatchObject({
      code: 'VALUE_UNREPRESENTABLE',
      details: { column: 'f', value: '2' },
    });
  });

  it('a date with a zero month fails the export: no calendar has that day', async () => {
    await admin.query(`CREATE TABLE \`${t('zeromonth')}\` (d DATE)`);
    await admin.query(`INSERT INTO \`${t('zeromonth')}\` VALUES ('2024-00-10')`);
    await expect(readAll(source, { kind: 'table', table: t('zeromonth') })).rejects.toMatchObject({
      code: 'VALUE_UNREPRESENTABLE',
    });
  });

  it('raw SQL: expression columns are typed from the result metadata, params are bound', async () => {
    await admin.query(`CREATE TABLE \`${t('params')}\` (id INT, s VARCHAR(50))`);
    await admin.query(`INSERT INTO \`${t('params')}\` VALUES (1, ?), (2, 'other')`, [`it's a \\ "test"`]);
    const query: Query = {
      kind: 'sql',
      sql: `SELECT id, s, COUNT(*) OVER () AS n, CAST(1.5 AS DECIMAL(10,2)) AS d, TIMESTAMP('2024-01-01 00:00:00.5') AS at,
              JSON_OBJECT('a', 1) AS j, 1.5e0 AS dbl, NULL AS nothing
            FROM \`${t('params')}\` WHERE s = ? AND id < ?`,
      params: [`it's a \\ "test"`, 10],
    };
    const { columns, rows } = await readAll(source, query);
    expect(columns.map((c) => [c.name, c.type])).toStrictEqual([
      ['id', 'int32'],
      ['s', 'string'],
      ['n', 'int64'],
      ['d', 'decimal'],
      ['at', 'timestamp'],
      ['j', 'json'],
      ['dbl', 'float64'],
      ['nothing', 'string'],
    ]);
    expect(columns[3]).toMatchObject({ precision: 10, scale: 2 });
    expect(rows).toStrictEqual([
      [1, `it's a \\ "test"`, 1n, '1.50', isoToMicros('2024-01-01T00:00:00.5Z'), '{"a": 1}', 1.5, null],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('MySQL source: table queries through the shared compiler (real MariaDB)', () => {
  const table = t('events');
  beforeAll(async () => {
    await admin.query(
      `CREATE TABLE \`${table}\` (id INT PRIMARY KEY, name VARCHAR(40), score DECIMAL(6,2), active BOOLEAN,
         \`we\`\`ird?col\` INT)`,
    );
    await admin.query(
      `INSERT INTO \`${table}\` VALUES (1, 'alpha', 10.5, TRUE, 7), (2, 'beta', 20, FALSE, 7), (3, 'gam''ma', NULL, TRUE, 8),
         (4, NULL, 40.25, NULL, 9), (5, 'epsilon', 50, TRUE, 9)`,
    );
  });

  const ids = async (query: Omit<Extract<Query, { kind: 'table' }>, 'kind' | 'table'>, name = table) =>
    (await readAll(source, { kind: 'table', table: name, orderBy: [{ column: 'id' }], ...query })).rows.map(
      (r) => r[0],
    );

  it('compiles with backticks and ? placeholders, values bound', async () => {
    const compiled = await source.compile({
      kind: 'table',
      table,
      columns: ['id', 'we`ird?col'],
      filters: [{ column: 'name', op: 'eq', value: "gam'ma" }],
      orderBy: [{ column: 'id', direction: 'desc' }],
      limit: 2,
    });
    expect(compiled).toStrictEqual({
      sql: `SELECT \`id\`, \`we\`\`ird?col\` FROM \`test\`.\`${table}\` WHERE \`name\` = ? ORDER BY \`id\` DESC LIMIT 2`,
      params: ["gam'ma"],
    });
  });

  const filterCases: { name: string; query: Parameters<typeof ids>[0]; expected: number[] }[] = [
    {
      name: 'eq on a string with a quote',
      query: { filters: [{ column: 'name', op: 'eq', value: "gam'ma" }] },
      expected: [3],
    },
    { name: 'ne', query: { filters: [{ column: 'name', op: 'ne', value: 'alpha' }] }, expected: [2, 3, 5] },
    {
      name: 'lt / gte on a decimal',
      query: {
        filters: [
          { column: 'score', op: 'gte', value: '20' },
          { column: 'score', op: 'lt', value: 50 },
        ],
      },
      expected: [2, 4],
    },
    { name: 'in', query: { filters: [{ column: 'id', op: 'in', value: [1, 3, 5] }] }, expected: [1, 3, 5] },
    {
      name: 'not_in',
      query: { filters: [{ column: 'id', op: 'not_in', value: [1, 3, 5] }] },
      expected: [2, 4],
    },
    { name: 'is_null', query: { filters: [{ column: 'score', op: 'is_null' }] }, expected: [3] },
    {
      name: 'is_not_null',
      query: { filters: [{ column: 'name', op: 'is_not_null' }] },
      expected: [1, 2, 3, 5],
    },
    {
      name: 'a boolean value',
      query: { filters: [{ column: 'active', op: 'eq', value: true }] },
      expected: [1, 3, 5],
    },
    {
      name: 'a column whose name has a backtick and a ?',
      query: { filters: [{ column: 'we`ird?col', op: 'eq', value: 9 }] },
      expected: [4, 5],
    },
    {
      name: 'order desc + limit',
      query: { orderBy: [{ column: 'score', direction: 'desc' }], limit: 2 },
      expected: [5, 4],
    },
    { name: 'limit 0', query: { limit: 0 }, expected: [] },
  ];
  for (const c of filterCases) it(c.name, async () => expect(await ids(c.query)).toStrictEqual(c.expected));

  it('selects only the named columns, in the asked order', async () => {
    const { columns, rows } = await readAll(source, {
      kind: 'table',
      table,
      columns: ['name', 'id'],
      filters: [{ column: 'id', op: 'eq', value: 1 }],
    });
    expect(columns.map((c) => c.name)).toStrictEqual(['name', 'id']);
    expect(rows).toStrictEqual([['alpha', 1]]);
  });

  it('resolves `db.table` as well as a bare name in the connection’s database', async () => {
    expect(await ids({}, `test.${table}`)).toStrictEqual([1, 2, 3, 4, 5]);
  });

  it('an unknown table is TABLE_NOT_FOUND, an unknown column COLUMN_NOT_FOUND', async () => {
    await expect(source.stream({ kind: 'table', table: t('missing') })).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
    });
    await expect(source.compile({ kind: 'table', table: `nodb_${prefix}.${table}` })).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
    });
    await expect(source.stream({ kind: 'table', table, columns: ['id', 'nope'] })).rejects.toMatchObject({
      code: 'COLUMN_NOT_FOUND',
    });
    await expect(
      source.describe({ kind: 'table', table, filters: [{ column: 'nope', op: 'is_null' }] }),
    ).rejects.toMatchObject({ code: 'COLUMN_NOT_FOUND' });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('MySQL source: errors (real MariaDB)', () => {
  const cases: { name: string; sql: string; code: string; details?: object }[] = [
    { name: 'a missing table in raw SQL', sql: `SELECT * FROM \`${t('nowhere')}\``, code: 'TABLE_NOT_FOUND' },
    { name: 'a missing column in raw SQL', sql: 'SELECT nope FROM seq_1_to_3', code: 'COLUMN_NOT_FOUND' },
    {
      name: 'a syntax error',
      sql: 'SELEC 1',
      code: 'QUERY_FAILED',
      details: { errno: 1064, sqlState: '42000' },
    },
    { name: 'a statement that returns no rows', sql: 'DO 1', code: 'REQUEST_INVALID' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.code}`, async () => {
      await expect(readAll(source, { kind: 'sql', sql: c.sql })).rejects.toMatchObject({
        code: c.code,
        ...(c.details ? { details: c.details } : {}),
      });
    });
  }

  it('an error mid-result fails the stream after the rows before it: never a short success', async () => {
    const stream = await source.stream(
      // The scalar subquery only goes wrong at row 5000, after the server has sent the rows before it.
      { kind: 'sql', sql: 'SELECT seq, IF(seq = 5000, (SELECT 1 UNION SELECT 2), seq) FROM seq_1_to_10000' },
      { batchRows: 1000 },
    );
    let rows = 0;
    const err = await (async () => {
      for await (const batch of stream.batches) rows += batch.length;
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUERY_FAILED', details: { errno: 1242 } });
    expect(rows).toBeLessThan(5000);
  });

  it('a statement timeout is QUERY_TIMEOUT', async () => {
    const timed = createMysqlSource({ url: inject('infra').MYSQL_URL, statementTimeoutMs: 300 });
    try {
      await expect(readAll(timed, { kind: 'sql', sql: 'SELECT SLEEP(5)' })).rejects.toMatchObject({
        code: 'QUERY_TIMEOUT',
        details: { errno: 1969 },
      });
      // The timeout is the session's: a quick statement on the same pool still runs.
      expect((await readAll(timed, { kind: 'sql', sql: 'SELECT 1' })).rows).toStrictEqual([[1]]);
    } finally {
      await timed.close();
    }
  });

  it('connection refused is SOURCE_UNAVAILABLE, retriable, and the password never shows', async () => {
    const down = createMysqlSource({ url: 'mysql://root:s3cret@127.0.0.1:1/test' });
    try {
      const err = await down.stream({ kind: 'sql', sql: 'SELECT 1' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SOURCE_UNAVAILABLE', retriable: true });
      expect((err as Error).message).not.toContain('s3cret');
    } finally {
      await down.close();
    }
  });

  it('rejects bad options up front', () => {
    for (const bad of [{ poolSize: 0 }, { statementTimeoutMs: -1 }, { stallTimeoutMs: 1.5 }]) {
      expect(() => createMysqlSource({ url: inject('infra').MYSQL_URL, ...bad })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('MySQL source: batches, backpressure and cancellation (real MariaDB)', () => {
  it('batches hold at most batchRows rows, and every row arrives once', async () => {
    // seq is BIGINT UNSIGNED (decimal strings); cast to a plain BIGINT for int64 values.
    const { rows, batchSizes } = await readAll(
      source,
      { kind: 'sql', sql: 'SELECT CAST(seq AS SIGNED) FROM seq_1_to_10500' },
      { batchRows: 1000 },
    );
    expect(batchSizes).toStrictEqual([...Array(10).fill(1000), 500]);
    expect(rows.map((r) => r[0])).toStrictEqual(Array.from({ length: 10_500 }, (_, i) => BigInt(i + 1)));
    const empty = await readAll(source, { kind: 'sql', sql: 'SELECT seq FROM seq_1_to_10 WHERE seq > 10' });
    expect(empty.batchSizes).toStrictEqual([]);
  });

  it('a slow consumer holds the server back: the statement waits, the heap stays flat', async () => {
    const marker = `bp_${randomBytes(4).toString('hex')}`;
    // ~200 MB of rows: far more than socket buffers, so only backpressure keeps it out of the heap.
    const stream = await source.stream(
      { kind: 'sql', sql: `SELECT /* ${marker} */ seq, REPEAT('x', 1000) AS pad FROM seq_1_to_200000` },
      { batchRows: 1000 },
    );
    const iterator = stream.batches[Symbol.asyncIterator]();
    const heapBefore = process.memoryUsage().heapUsed;
    let rows = (await iterator.next()).value!.length;
    await sleep(1500); // the consumer dawdles; unthrottled, the whole result would be here by now
    const heapDuring = process.memoryUsage().heapUsed;
    expect(await serverStatements(marker)).toHaveLength(1);
    expect(heapDuring - heapBefore).toBeLessThan(64 * 1024 * 1024);
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rows += r.value.length;
    expect(rows).toBe(200_000);
    console.log(
      `[mysql] slow consumer: heap change ${mb(heapDuring - heapBefore)} MB while ~200 MB waited on the server`,
    );
  });

  it('a consumer that stops early stops the statement on the server and closes its connection', async () => {
    const marker = `stop_${randomBytes(4).toString('hex')}`;
    const stream = await source.stream(
      { kind: 'sql', sql: `SELECT /* ${marker} */ seq, REPEAT('y', 100) FROM seq_1_to_100000000` },
      { batchRows: 1000 },
    );
    const [running] = await serverStatements(marker);
    expect(running).toBeDefined();
    let seen = 0;
    for await (const batch of stream.batches) {
      seen += batch.length;
      if (seen >= 3000) break; // return() on the iterator
    }
    await eventually(async () => (await serverStatements(marker)).length === 0, 'the statement is gone');
    await eventually(async () => !(await connectionExists(running!.id)), 'the connection is closed');
    // The pool is healthy afterwards, and still in UTC (no half-read connection came back into it).
    const { rows } = await readAll(source, { kind: 'sql', sql: 'SELECT @@SESSION.time_zone' });
    expect(rows).toStrictEqual([['+00:00']]);
  });

  it('an abort during a long computation kills the statement before its first row', async () => {
    const marker = `abort_${randomBytes(4).toString('hex')}`;
    const controller = new AbortController();
    const pending = readAll(
      source,
      { kind: 'sql', sql: `SELECT /* ${marker} */ SLEEP(30) AS slept` },
      { signal: controller.signal },
    );
    await eventually(async () => (await serverStatements(marker)).length === 1, 'the statement runs');
    const [running] = await serverStatements(marker);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'QUERY_CANCELLED' });
    await eventually(async () => (await serverStatements(marker)).length === 0, 'the statement is gone');
    await eventually(async () => !(await connectionExists(running!.id)), 'the connection is closed');
  });

  it('an abort after the server has sent everything still fails the batches not yet taken', async () => {
    const controller = new AbortController();
    const stream = await source.stream(
      { kind: 'sql', sql: 'SELECT CAST(seq AS SIGNED) FROM seq_1_to_2500' },
      { signal: controller.signal, batchRows: 1000 },
    );
    const iterator = stream.batches[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toHaveLength(1000);
    await sleep(100); // the rest (1500 rows) is buffered, the statement done
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'QUERY_CANCELLED' });
  });

  it('an abort mid-stream through pipeline() stops the statement and frees the connection', async () => {
    const marker = `pipe_${randomBytes(4).toString('hex')}`;
    const single = createMysqlSource({ url: inject('infra').MYSQL_URL, poolSize: 1 });
    try {
      const controller = new AbortController();
      const stream = await single.stream(
        { kind: 'sql', sql: `SELECT /* ${marker} */ seq FROM seq_1_to_100000000` },
        { signal: controller.signal, batchRows: 500 },
      );
      let rows = 0;
      const sink = new Writable({
        objectMode: true,
        highWaterMark: 1,
        write(batch: RowBatch, _enc, done) {
          rows += batch.length;
          if (rows >= 5000) controller.abort();
          setTimeout(done, 5);
        },
      });
      await expect(
        pipeline(Readable.from(stream.batches, { objectMode: true, highWaterMark: 2 }), sink, {
          signal: controller.signal,
        }),
      ).rejects.toThrow();
      await eventually(async () => (await serverStatements(marker)).length === 0, 'the statement is gone');
      // With one connection in the pool, this only runs if the aborted one was given back or replaced.
      expect((await readAll(single, { kind: 'sql', sql: 'SELECT 42' })).rows).toStrictEqual([[42]]);
    } finally {
      await single.close();
    }
  });

  it('close() stops statements still streaming', async () => {
    const marker = `close_${randomBytes(4).toString('hex')}`;
    const own = createMysqlSource({ url: inject('infra').MYSQL_URL });
    const stream = await own.stream({
      kind: 'sql',
      sql: `SELECT /* ${marker} */ seq FROM seq_1_to_100000000`,
    });
    const iterator = stream.batches[Symbol.asyncIterator]();
    await iterator.next();
    await own.close();
    await eventually(async () => (await serverStatements(marker)).length === 0, 'the statement is gone');
    // The reader learns its export is incomplete: an error, never a quiet end.
    await expect(iterator.next()).rejects.toMatchObject({ code: 'QUERY_CANCELLED' });
  });

  it('a consumer stalled past stallTimeoutMs fails with SOURCE_UNAVAILABLE, never a short result', async () => {
    const stalled = createMysqlSource({ url: inject('infra').MYSQL_URL, stallTimeoutMs: 1000 });
    try {
      const stream = await stalled.stream(
        { kind: 'sql', sql: "SELECT seq, REPEAT('z', 1000) FROM seq_1_to_100000" },
        { batchRows: 1000 },
      );
      const iterator = stream.batches[Symbol.asyncIterator]();
      let rows = (await iterator.next()).value!.length;
      await sleep(4000); // the server gives up writing after ~1 s
      const err = await (async () => {
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) rows += r.value.length;
      })().catch((e: unknown) => e);
      expect(rows).toBeLessThan(100_000);
      expect(err).toMatchObject({ code: 'SOURCE_UNAVAILABLE', retriable: true });
    } finally {
      await stalled.close();
    }
  });

  it('1M rows stream with bounded memory', async () => {
    const started = performance.now();
    const baseline = process.memoryUsage();
    let peakHeap = baseline.heapUsed;
    let peakRss = baseline.rss;
    let rows = 0;
    let checksum = 0n;
    const stream = await source.stream({
      kind: 'sql',
      sql: `SELECT CAST(seq AS SIGNED) AS id, CAST(seq AS SIGNED) * 1000003 AS big, CONCAT('row-', seq) AS name,
              seq / 7 AS ratio, seq * 1.5e0 AS dbl, TIMESTAMP('2020-01-01') + INTERVAL seq SECOND AS at,
              seq % 2 = 0 AS even
            FROM seq_1_to_1000000`,
    });
    for await (const batch of stream.batches) {
      rows += batch.length;
      checksum += batch[batch.length - 1]![1] as bigint;
      if (rows % 65_536 < batch.length) {
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    expect(rows).toBe(1_000_000);
    expect(checksum).toBeGreaterThan(0n);
    expect(stream.columns.map((c) => c.type)).toStrictEqual([
      'int64',
      'int64',
      'string',
      'decimal',
      'float64',
      'timestamp',
      'int32',
    ]);
    console.log(
      `[mysql] 1M rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString('en')} rows/s; ` +
        `heap ${mb(baseline.heapUsed)} → peak ${mb(peakHeap)} MB, rss ${mb(baseline.rss)} → peak ${mb(peakRss)} MB`,
    );
    expect(peakHeap - baseline.heapUsed).toBeLessThan(128 * 1024 * 1024);
  });
});
