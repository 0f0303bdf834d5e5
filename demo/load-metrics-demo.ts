import type Database from 'better-sqlite3';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Connection } from 'mysql2/promise';
import type pg from 'pg';
import { demoFootfallRows, demoSaleRows, utcText, type FootfallRow, type SaleRow } from './metrics-data.ts';

/**
 * Loads the demo facts into each engine with the same content. `prefix` is `schema.` (PostgreSQL),
 * `database.` (MariaDB) or empty; it is the caller's own identifier, quoted by the caller.
 */
const BATCH = 500;

const footfallValues = (r: FootfallRow, time: unknown) => [
  r.locationId,
  r.region,
  r.segment,
  r.ageBand,
  time,
  r.entries,
];
const saleValues = (r: SaleRow, time: unknown) => [r.locationId, r.region, r.taxonomy, time, r.amountCents];

function* batches<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += BATCH) yield rows.slice(i, i + BATCH);
}

function valuesList(rows: number, columns: number, placeholder: (n: number) => string): string {
  let n = 0;
  return Array.from(
    { length: rows },
    () => `(${Array.from({ length: columns }, () => placeholder(++n)).join(', ')})`,
  ).join(', ');
}

export async function loadDemoIntoPostgres(client: pg.ClientBase | pg.Pool, prefix: string): Promise<void> {
  await client.query(`
    CREATE TABLE ${prefix}footfall_hourly (location_id text NOT NULL, region text NOT NULL,
      segment text NOT NULL, age_band text NOT NULL, observed_at timestamptz NOT NULL, entries integer NOT NULL);
    CREATE TABLE ${prefix}sales_transactions (location_id text NOT NULL, region text NOT NULL,
      taxonomy text NOT NULL, sold_at timestamptz NOT NULL, amount_cents bigint NOT NULL)`);
  for (const b of batches(demoFootfallRows())) {
    await client.query(
      `INSERT INTO ${prefix}footfall_hourly VALUES ${valuesList(b.length, 6, (n) => `$${n}`)}`,
      b.flatMap((r) => footfallValues(r, new Date(r.observedAt).toISOString())),
    );
  }
  for (const b of batches(demoSaleRows())) {
    await client.query(
      `INSERT INTO ${prefix}sales_transactions VALUES ${valuesList(b.length, 5, (n) => `$${n}`)}`,
      b.flatMap((r) => saleValues(r, new Date(r.soldAt).toISOString())),
    );
  }
}

/** Binary collation: GROUP BY and ORDER BY then treat text as the other engines do (byte-wise, case kept). */
export async function loadDemoIntoMysql(conn: Connection, prefix: string): Promise<void> {
  const table = 'DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin';
  await conn.query(`CREATE TABLE ${prefix}footfall_hourly (location_id varchar(64) NOT NULL,
    region varchar(64) NOT NULL, segment varchar(64) NOT NULL, age_band varchar(64) NOT NULL,
    observed_at datetime NOT NULL, entries int NOT NULL) ${table}`);
  await conn.query(`CREATE TABLE ${prefix}sales_transactions (location_id varchar(64) NOT NULL,
    region varchar(64) NOT NULL, taxonomy varchar(64) NOT NULL, sold_at datetime NOT NULL,
    amount_cents bigint NOT NULL) ${table}`);
  for (const b of batches(demoFootfallRows())) {
    await conn.query(
      `INSERT INTO ${prefix}footfall_hourly VALUES ${valuesList(b.length, 6, () => '?')}`,
      b.flatMap((r) => footfallValues(r, utcText(r.observedAt))),
    );
  }
  for (const b of batches(demoSaleRows())) {
    await conn.query(
      `INSERT INTO ${prefix}sales_transactions VALUES ${valuesList(b.length, 5, () => '?')}`,
      b.flatMap((r) => saleValues(r, utcText(r.soldAt))),
    );
  }
}

export function loadDemoIntoSqlite(db: Database.Database): void {
  db.exec(`CREATE TABLE footfall_hourly (location_id TEXT NOT NULL, region TEXT NOT NULL,
      segment TEXT NOT NULL, age_band TEXT NOT NULL, observed_at TEXT NOT NULL, entries INTEGER NOT NULL);
    CREATE TABLE sales_transactions (location_id TEXT NOT NULL, region TEXT NOT NULL,
      taxonomy TEXT NOT NULL, sold_at TEXT NOT NULL, amount_cents INTEGER NOT NULL)`);
  const footfall = db.prepare('INSERT INTO footfall_hourly VALUES (?, ?, ?, ?, ?, ?)');
  const sales = db.prepare('INSERT INTO sales_transactions VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of demoFootfallRows()) footfall.run(...footfallValues(r, utcText(r.observedAt)));
    for (const r of demoSaleRows()) sales.run(...saleValues(r, utcText(r.soldAt)));
  })();
}

export async function loadDemoIntoDuckdb(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE TABLE footfall_hourly (location_id VARCHAR NOT NULL, region VARCHAR NOT NULL,
      segment VARCHAR NOT NULL, age_band VARCHAR NOT NULL, observed_at TIMESTAMP NOT NULL, entries INTEGER NOT NULL)`);
  await conn.run(`CREATE TABLE sales_transactions (location_id VARCHAR NOT NULL, region VARCHAR NOT NULL,
      taxonomy VARCHAR NOT NULL, sold_at TIMESTAMP NOT NULL, amount_cents BIGINT NOT NULL)`);
  for (const b of batches(demoFootfallRows())) {
    await conn.run(
      `INSERT INTO footfall_hourly VALUES ${valuesList(b.length, 6, () => '?')}`,
      b.flatMap((r) => footfallValues(r, utcText(r.observedAt))) as string[],
    );
  }
  for (const b of batches(demoSaleRows())) {
    await conn.run(
      `INSERT INTO sales_transactions VALUES ${valuesList(b.length, 5, () => '?')}`,
      b.flatMap((r) => saleValues(r, utcText(r.soldAt))) as string[],
    );
  }
}
