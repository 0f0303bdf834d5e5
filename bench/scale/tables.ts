import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';

/**
 * The BASELINES.md schema (bench/baseline-rows.ts) as real tables: id int8 primary key, ts timestamp,
 * entity text (24 hex, 50 distinct), category text (10 distinct), amount float8, qty int4, note text
 * (~30 chars, 10% NULL). Generated once per row count and reused: the table comment records the count.
 */
export const BENCH_SCHEMA = 'sluice_bench';

export function benchTable(rows: number): string {
  return `rows_${rows}`;
}

export async function ensurePostgresTable(
  url: string,
  rows: number,
  log: (s: string) => void,
): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const table = benchTable(rows);
  const qualified = `${BENCH_SCHEMA}.${table}`;
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${BENCH_SCHEMA}`);
    const { rows: found } = await client.query<{ comment: string | null }>(
      `SELECT obj_description(to_regclass($1), 'pg_class') AS comment`,
      [qualified],
    );
    if (found[0]?.comment === `rows=${rows}`) {
      log(`postgres: ${qualified} already holds ${rows} rows`);
      return qualified;
    }
    log(`postgres: generating ${rows} rows in ${qualified} …`);
    const t0 = performance.now();
    await client.query(`DROP TABLE IF EXISTS ${qualified}`);
    // UNLOGGED: no WAL for 100M generated rows; the bench never needs them after a crash.
    await client.query(`CREATE UNLOGGED TABLE ${qualified} (id int8, ts timestamp, entity text, category text,
      amount float8, qty int4, note text)`);
    await client.query(`INSERT INTO ${qualified}
      SELECT i, timestamp '2023-11-14 22:13:20' + i * interval '1000123 microseconds',
        'e' || lpad(to_hex(i % 50), 23, '0'), 'category ' || (i % 10), (i % 100000) / 7.0, (i % 1000)::int4,
        CASE WHEN i % 10 = 0 THEN NULL ELSE 'note for row ' || i || ', "quoted" part' END
      FROM generate_series(0, ${rows - 1}) i`);
    await client.query(`ALTER TABLE ${qualified} ADD PRIMARY KEY (id)`);
    await client.query(`VACUUM ANALYZE ${qualified}`);
    await client.query(`COMMENT ON TABLE ${qualified} IS 'rows=${rows}'`);
    log(`postgres: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return qualified;
  } finally {
    await client.end();
  }
}

export async function ensureMysqlTable(url: string, rows: number, log: (s: string) => void): Promise<string> {
  const conn = await mysql.createConnection(url);
  const table = benchTable(rows);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${BENCH_SCHEMA}`);
    const [found] = await conn.query<mysql.RowDataPacket[]>(
      `SELECT table_comment FROM information_schema.tables WHERE table_schema = ? AND table_name = ?`,
      [BENCH_SCHEMA, table],
    );
    if (found[0]?.table_comment === `rows=${rows}`) {
      log(`mariadb: ${BENCH_SCHEMA}.${table} already holds ${rows} rows`);
      return `${BENCH_SCHEMA}.${table}`;
    }
    log(`mariadb: generating ${rows} rows in ${BENCH_SCHEMA}.${table} …`);
    const t0 = performance.now();
    await conn.query(`DROP TABLE IF EXISTS ${BENCH_SCHEMA}.${table}`);
    await conn.query(`CREATE TABLE ${BENCH_SCHEMA}.${table} (id BIGINT PRIMARY KEY, ts DATETIME(6), entity TEXT,
      category TEXT, amount DOUBLE, qty INT, note TEXT)`);
    // In slices of 1M: one huge INSERT … SELECT holds its undo log for the whole statement.
    for (let from = 0; from < rows; from += 1_000_000) {
      const to = Math.min(rows, from + 1_000_000) - 1;
      await conn.query(`INSERT INTO ${BENCH_SCHEMA}.${table}
        SELECT seq, TIMESTAMP '2023-11-14 22:13:20' + INTERVAL seq * 1000123 MICROSECOND,
          CONCAT('e', LPAD(HEX(seq % 50), 23, '0')), CONCAT('category ', seq % 10), (seq % 100000) / 7e0, seq % 1000,
          IF(seq % 10 = 0, NULL, CONCAT('note for row ', seq, ', "quoted" part'))
        FROM seq_${from}_to_${to}`);
    }
    await conn.query(`ALTER TABLE ${BENCH_SCHEMA}.${table} COMMENT = 'rows=${rows}'`);
    log(`mariadb: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return `${BENCH_SCHEMA}.${table}`;
  } finally {
    await conn.end();
  }
}

/** The table's size on disk, for the report. */
export function postgresTableSize(url: string, qualified: string): string {
  return execFileSync('psql', [url, '-Atc', `SELECT pg_size_pretty(pg_total_relation_size('${qualified}'))`])
    .toString()
    .trim();
}
