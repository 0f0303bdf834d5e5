import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export interface ParquetReadBack {
  /** column name → DuckDB's type, e.g. DECIMAL(38,10), TIMESTAMP WITH TIME ZONE */
  types: Record<string, string>;
  /** rows as DuckDB renders them to JSON (bigints and decimals as exact strings) */
  rows: Record<string, unknown>[];
}

/** Reads Parquet bytes with DuckDB: a different implementation from the one that wrote them. */
export async function readParquetWithDuckDb(bytes: Uint8Array, orderBy?: string): Promise<ParquetReadBack> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-duckdb-'));
  const file = join(dir, 'read.parquet');
  writeFileSync(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    const types = Object.fromEntries(
      described.getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]),
    );
    const order = orderBy ? ` ORDER BY "${orderBy}"` : '';
    const rows = (
      await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}')${order}`)
    ).getRowObjectsJson();
    return { types, rows: rows as Record<string, unknown>[] };
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
