import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMysqlSource } from '../../dialects/mysql/source.ts';
import type { Query, Source } from '../../dialects/source.ts';
import type { LineEnding } from '../../encoders/encoder.ts';
import { runFormatExport } from '../../pipeline/run-format-export.ts';
import { createLocalFolderSink } from '../../sinks/local-folder.ts';

// The MariaDB source's own CSV (streamCsv: text values straight into CSV) against the decode path (values
// converted to bigints, numbers and microseconds, then encoded by encoders/csv): the same bytes for every
// type and edge value, or the same refusal.

const table = `sluice_csv_${randomBytes(4).toString('hex')}`;
let admin: mysql.Connection;
let source: Source;
let dir: string;

beforeAll(async () => {
  admin = await mysql.createConnection({ uri: inject('infra').MYSQL_URL, charset: 'utf8mb4' });
  await admin.query("SET SESSION sql_mode = '', SESSION time_zone = '+00:00'");
  await admin.query(`CREATE TABLE \`${table}\` (
    id INT PRIMARY KEY, flag TINYINT(1), tiny TINYINT, small SMALLINT, uint INT UNSIGNED, big BIGINT,
    ubig BIGINT UNSIGNED, dec1 DECIMAL(20,6), f FLOAT, d DOUBLE, day DATE, at DATETIME(6), at0 DATETIME,
    ts TIMESTAMP(3) NULL, name VARCHAR(100), body TEXT, doc JSON, bytes VARBINARY(16), kind ENUM('a','b,c'),
    yr YEAR, tm TIME)`);
  await admin.query(`INSERT INTO \`${table}\` VALUES
    (1, 1, -128, 32767, 4294967295, -9223372036854775808, 18446744073709551615, -12345678901234.123456,
      1.5, 1e-5, '2024-02-29', '2024-02-29 23:59:59.999999', '1970-01-01 00:00:00', '2038-01-19 03:14:07.123',
      'plain', 'comma, "quote"\nnewline\r\nend', '{"a": [1, "x"]}', X'00FF10', 'b,c', 2024, '-838:59:59'),
    (2, 0, 0, 0, 0, 0, 0, 0, 0, -0.0, '0000-00-00', '0000-00-00 00:00:00', '1000-01-01 00:00:00', NULL,
      '', '', 'null', X'', 'a', 1901, '00:00:00.000000'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL),
    (4, 1, 127, -32768, 1, 9223372036854775807, 1, 0.000001, 3.4e38, 1.7976931348623157e308, '9999-12-31',
      '9999-12-31 23:59:59.000001', '2255-06-05 23:47:34', '1970-01-01 00:00:01', 'ünïcödé 🙂', 'tab\there',
      '"string"', X'DEADBEEF', 'a', 2155, '12:34:56'),
    (5, 0, 1, 2, 3, -1, 2, -0.5, -1e-10, 123456789012345680000, '0001-01-01', '0001-01-01 00:00:00.5',
      '1684-07-28 00:12:25', '2000-01-01 00:00:00', ' lead and trail ', ';semi;', '{}', X'0A0D22', 'b,c', 0,
      '838:59:59')`);
  source = createMysqlSource({ url: inject('infra').MYSQL_URL });
  dir = mkdtempSync(join(tmpdir(), 'sluice-mysql-csv-'));
});

afterAll(async () => {
  await source?.close();
  await admin?.query(`DROP TABLE IF EXISTS \`${table}\``);
  await admin?.end();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function exportCsv(
  query: Query,
  nativeCsv: boolean,
  options: { delimiter?: string; lineEnding?: LineEnding } = {},
): Promise<string> {
  const key = `${randomBytes(4).toString('hex')}.csv`;
  const result = await runFormatExport(
    {
      source,
      query,
      format: 'csv',
      nativeCsv,
      encoderOptions: {
        header: true,
        delimiter: options.delimiter ?? ',',
        lineEnding: options.lineEnding ?? 'crlf',
      },
      sink: createLocalFolderSink({ root: dir }),
      keyFor: () => key,
    },
    { batchRows: 2 }, // several batches even for five rows
  );
  expect(result.rows).toBeGreaterThan(0);
  return readFileSync(join(dir, key), 'utf8');
}

describe('MariaDB CSV from text values (real MariaDB)', () => {
  const ordered: Query = { kind: 'table', table, orderBy: [{ column: 'id' }] };

  it('writes the decode path’s bytes for every type and edge value', async () => {
    const native = await exportCsv(ordered, true);
    const decoded = await exportCsv(ordered, false);
    expect(native).toBe(decoded);
    expect(native.split('\r\n')).toHaveLength(1 + 5 + 1 + 1); // header, rows, the row with "\r\n" inside, end
    // Spot checks of what both paths agree on.
    expect(native).toContain('2024-02-29,2024-02-29T23:59:59.999999,1970-01-01T00:00:00.000000,');
    expect(native).toContain(',0.00001,');
    expect(native).toContain('\\x00ff10');
    expect(native).toContain('"comma, ""quote""\nnewline\r\nend"');
  });

  it('the same with another delimiter and LF row ends', async () => {
    const options = { delimiter: ';', lineEnding: 'lf' as const };
    expect(await exportCsv(ordered, true, options)).toBe(await exportCsv(ordered, false, options));
  });

  it('raw SQL and expression columns too', async () => {
    const query: Query = {
      kind: 'sql',
      sql: `SELECT id, CONCAT(name, '|', id) AS label, d / 2 AS half, at + INTERVAL 1 DAY AS later,
              CAST(big AS DECIMAL(30,2)) AS money, id % 2 = 0 AS even FROM \`${table}\` ORDER BY id`,
    };
    expect(await exportCsv(query, true)).toBe(await exportCsv(query, false));
  });

  it('a TINYINT(1) holding 2 fails as the decode path does, never a half-written file', async () => {
    const query: Query = {
      kind: 'sql',
      sql: `SELECT id, CAST(2 AS UNSIGNED) + 0 AS n, flag + 1 AS f FROM \`${table}\``,
    };
    // flag + 1 is no longer TINYINT(1); a real TINYINT(1) column with a 2 in it:
    await admin.query(`UPDATE \`${table}\` SET flag = 2 WHERE id = 3`);
    try {
      const err = await exportCsv(ordered, true).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALUE_UNREPRESENTABLE' });
      const decodedErr = await exportCsv(ordered, false).catch((e: unknown) => e);
      expect(decodedErr).toMatchObject({ code: 'VALUE_UNREPRESENTABLE' });
      expect(await exportCsv(query, true)).toBe(await exportCsv(query, false));
    } finally {
      await admin.query(`UPDATE \`${table}\` SET flag = NULL WHERE id = 3`);
    }
  });

  it('a BIT column takes the decode path (its bytes become integers there)', async () => {
    await admin.query(`CREATE TABLE \`${table}_bits\` (id INT PRIMARY KEY, b BIT(3), one BIT(1))`);
    try {
      await admin.query(`INSERT INTO \`${table}_bits\` VALUES (1, b'101', b'1'), (2, NULL, b'0')`);
      const query: Query = { kind: 'table', table: `${table}_bits`, orderBy: [{ column: 'id' }] };
      expect(await source.streamCsv!(query, { delimiter: ',' })).toBeUndefined();
      expect(await exportCsv(query, true)).toBe('id,b,one\r\n1,5,true\r\n2,,false\r\n');
    } finally {
      await admin.query(`DROP TABLE \`${table}_bits\``);
    }
  });
});
