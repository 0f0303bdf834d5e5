import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDuckdbSource } from '../../dialects/duckdb/source.ts';
import { createMysqlSource } from '../../dialects/mysql/source.ts';
import { createPostgresSource } from '../../dialects/postgres/source.ts';
import type { Query, Source } from '../../dialects/source.ts';
import { createSqliteSource } from '../../dialects/sqlite/source.ts';

// Every export runs read-only: a caller's SQL that would change data fails with a code and changes
// nothing, on every engine; the rows are read back through a separate admin connection to prove it.

const suffix = randomBytes(4).toString('hex');

async function drain(source: Source, query: Query, format: 'rows' | 'csv' = 'rows'): Promise<number> {
  if (format === 'csv') {
    const csv = await source.streamCsv?.(query, { delimiter: ',' });
    if (!csv) throw new Error('expected the CSV fast path');
    let bytes = 0;
    for await (const chunk of csv.chunks) bytes += chunk.length;
    return bytes;
  }
  const stream = await source.stream(query);
  let rows = 0;
  for await (const batch of stream.batches) rows += batch.length;
  return rows;
}

describe('PostgreSQL: exports run read-only (real PostgreSQL)', () => {
  const table = `sluice_ro_${suffix}`;
  let admin: pg.Client;
  let source: Source;
  const count = async () => Number((await admin.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
  const sum = async () => Number((await admin.query(`SELECT sum(v) FROM ${table}`)).rows[0].sum);

  beforeAll(async () => {
    const url = inject('infra').DATABASE_URL;
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int)`);
    await admin.query(`INSERT INTO ${table} SELECT g, g FROM generate_series(1, 10) g`);
    await admin.query(`CREATE SEQUENCE ${table}_seq`);
    // One connection: every statement below runs on the connection the previous one used.
    source = createPostgresSource({ url, poolSize: 1 });
  });
  afterAll(async () => {
    await source?.close();
    await admin?.query(
      `DROP TABLE IF EXISTS ${table}; DROP TABLE IF EXISTS ${table}_new; DROP SEQUENCE IF EXISTS ${table}_seq`,
    );
    await admin?.end();
  });

  const writes: { name: string; sql: string; params?: unknown[]; code: string }[] = [
    {
      name: 'a CTE deleting rows (COPY path)',
      sql: `WITH d AS (DELETE FROM ${table} WHERE id <= 5 RETURNING *) SELECT * FROM d`,
      code: 'QUERY_NOT_READ_ONLY',
    },
    {
      name: 'a CTE deleting rows (cursor path)',
      sql: `WITH d AS (DELETE FROM ${table} WHERE id <= $1 RETURNING *) SELECT * FROM d`,
      params: [5],
      code: 'QUERY_NOT_READ_ONLY',
    },
    {
      name: 'UPDATE … RETURNING',
      sql: `UPDATE ${table} SET v = v + 100 RETURNING *`,
      code: 'QUERY_NOT_READ_ONLY',
    },
    {
      name: 'INSERT … RETURNING',
      sql: `INSERT INTO ${table} VALUES (99, 99) RETURNING *`,
      code: 'QUERY_NOT_READ_ONLY',
    },
    {
      name: 'EXPLAIN ANALYZE of a DELETE',
      sql: `EXPLAIN ANALYZE DELETE FROM ${table}`,
      code: 'QUERY_NOT_READ_ONLY',
    },
    { name: 'nextval()', sql: `SELECT nextval('${table}_seq')`, code: 'QUERY_NOT_READ_ONLY' },
    {
      name: 'DDL (returns no rows: refused before it runs)',
      sql: `CREATE TABLE ${table}_new (a int)`,
      code: 'REQUEST_INVALID',
    },
  ];
  for (const w of writes) {
    it(`${w.name} → ${w.code}, rows unchanged`, async () => {
      await expect(
        drain(source, { kind: 'sql', sql: w.sql, ...(w.params ? { params: w.params } : {}) }),
      ).rejects.toMatchObject({ code: w.code });
      expect(await count()).toBe(10);
      expect(await sum()).toBe(55);
    });
  }

  it('the CSV fast path (COPY … FORMAT csv) refuses too', async () => {
    await expect(
      drain(
        source,
        { kind: 'sql', sql: `WITH d AS (DELETE FROM ${table} RETURNING *) SELECT * FROM d` },
        'csv',
      ),
    ).rejects.toMatchObject({ code: 'QUERY_NOT_READ_ONLY' });
    expect(await count()).toBe(10);
  });

  it('a statement that turns the session default off does not make the next one read-write', async () => {
    await drain(source, {
      kind: 'sql',
      sql: `SELECT set_config('default_transaction_read_only', 'off', false)`,
    });
    await expect(
      drain(source, { kind: 'sql', sql: `WITH d AS (DELETE FROM ${table} RETURNING *) SELECT * FROM d` }),
    ).rejects.toMatchObject({ code: 'QUERY_NOT_READ_ONLY' });
    await expect(
      drain(source, { kind: 'sql', sql: `SELECT set_config('transaction_read_only', 'off', false)` }),
    ).rejects.toMatchObject({ code: 'QUERY_FAILED' });
    expect(await count()).toBe(10);
  });

  it('reads still work on both paths, and the source is still usable afterwards', async () => {
    expect(await drain(source, { kind: 'table', table })).toBe(10);
    expect(
      await drain(source, { kind: 'table', table, filters: [{ column: 'v', op: 'gt', value: 3 }] }),
    ).toBe(7);
    expect(await drain(source, { kind: 'table', table }, 'csv')).toBeGreaterThan(0);
  });
});

describe('MariaDB: exports run read-only (real MariaDB)', () => {
  const table = `sluice_ro_${suffix}`;
  let admin: mysql.Connection;
  let source: Source;
  const count = async () =>
    Number(((await admin.query(`SELECT count(*) AS n FROM ${table}`))[0] as { n: number }[])[0]!.n);
  const tables = async () => ((await admin.query(`SHOW TABLES LIKE '${table}%'`))[0] as unknown[]).length;

  beforeAll(async () => {
    const url = inject('infra').MYSQL_URL;
    admin = await mysql.createConnection({ uri: url });
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int)`);
    await admin.query(`INSERT INTO ${table} SELECT seq, seq FROM seq_1_to_10`);
    source = createMysqlSource({ url, poolSize: 1 });
  });
  afterAll(async () => {
    await source?.close();
    await admin?.query(`DROP TABLE IF EXISTS ${table}`);
    await admin?.query(`DROP TABLE IF EXISTS ${table}_new`);
    await admin?.end();
  });

  const writes: { name: string; sql: string; code: string }[] = [
    {
      name: 'DELETE … RETURNING',
      sql: `DELETE FROM ${table} WHERE id <= 5 RETURNING *`,
      code: 'QUERY_NOT_READ_ONLY',
    },
    {
      name: 'INSERT … RETURNING',
      sql: `INSERT INTO ${table} VALUES (99, 99) RETURNING *`,
      code: 'QUERY_NOT_READ_ONLY',
    },
    {
      // Its prepare reports no result columns, so it is refused before it runs.
      name: 'SET STATEMENT lifting read-only for a DELETE',
      sql: `SET STATEMENT tx_read_only = 0 FOR DELETE FROM ${table} RETURNING *`,
      code: 'REQUEST_INVALID',
    },
    {
      name: 'DDL (the read-only session refuses even its prepare)',
      sql: `CREATE TABLE ${table}_new (a int)`,
      code: 'QUERY_NOT_READ_ONLY',
    },
    {
      name: 'DDL behind SET STATEMENT (its implicit commit would leave the transaction)',
      sql: `SET STATEMENT tx_read_only = 0 FOR CREATE TABLE ${table}_new (a int)`,
      code: 'REQUEST_INVALID',
    },
  ];
  for (const w of writes) {
    it(`${w.name} → ${w.code}, rows unchanged`, async () => {
      await expect(drain(source, { kind: 'sql', sql: w.sql })).rejects.toMatchObject({ code: w.code });
      expect(await count()).toBe(10);
      expect(await tables()).toBe(1);
    });
  }

  it('reads still work, and a read sees rows committed after the previous export', async () => {
    expect(await drain(source, { kind: 'table', table })).toBe(10);
    await admin.query(`INSERT INTO ${table} VALUES (11, 11)`);
    // The same pooled connection: its read-only transaction was committed, so no stale snapshot.
    expect(await drain(source, { kind: 'sql', sql: `SELECT * FROM ${table}` })).toBe(11);
    await admin.query(`DELETE FROM ${table} WHERE id = 11`);
  });
});

describe('SQLite and DuckDB: opened read-only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ro-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite refuses DELETE … RETURNING and the file is unchanged', async () => {
    const file = join(dir, 'ro.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 1), (2, 2)');
    const source = createSqliteSource({ filename: file });
    try {
      await expect(drain(source, { kind: 'sql', sql: 'DELETE FROM t RETURNING *' })).rejects.toMatchObject({
        code: 'QUERY_NOT_READ_ONLY',
      });
      expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
    } finally {
      await source.close();
      db.close();
    }
  });

  it('DuckDB refuses DELETE and COPY … TO a file; the table is unchanged', async () => {
    const file = join(dir, 'ro.duckdb');
    const writer = await DuckDBInstance.create(file);
    const conn = await writer.connect();
    await conn.run('CREATE TABLE t AS SELECT * FROM range(3) r(id)');
    conn.closeSync();
    writer.closeSync();
    const source = createDuckdbSource({ path: file });
    try {
      await expect(drain(source, { kind: 'sql', sql: 'DELETE FROM t RETURNING *' })).rejects.toMatchObject({
        code: 'QUERY_NOT_READ_ONLY',
      });
      await expect(
        drain(source, { kind: 'sql', sql: `COPY (SELECT 1) TO '${join(dir, 'leak.csv')}'` }),
      ).rejects.toMatchObject({ code: 'QUERY_FAILED' });
      expect(await drain(source, { kind: 'table', table: 't' })).toBe(3);
    } finally {
      await source.close();
    }
  });
});
