import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { loadDemoCatalog, type Catalog } from '../../catalog/catalog.ts';
import {
  loadDemoIntoDuckdb,
  loadDemoIntoMysql,
  loadDemoIntoPostgres,
  loadDemoIntoSqlite,
} from '../../demo/load-metrics-demo.ts';
import { createDuckdbSource } from '../../dialects/duckdb/source.ts';
import { createMysqlSource } from '../../dialects/mysql/source.ts';
import { createPostgresSource } from '../../dialects/postgres/source.ts';
import type { Row, Source } from '../../dialects/source.ts';
import { createSqliteSource } from '../../dialects/sqlite/source.ts';
import { demoCatalogIn } from './metric-fixtures.ts';

export interface MetricEngine {
  name: 'postgres' | 'mysql' | 'sqlite' | 'duckdb';
  source: Source;
  /** The demo catalog pointing at this engine's copy of the demo tables. */
  catalog: Catalog;
}

export interface MetricEngines {
  engines: MetricEngine[];
  /** The PostgreSQL schema holding the demo tables (for independent checks). */
  pgSchema: string;
  pgUrl: string;
  close(): Promise<void>;
}

/**
 * The demo facts loaded into the real PostgreSQL and MariaDB (a schema/database of this run's own,
 * dropped at the end) and into SQLite and DuckDB files in a temporary folder.
 */
export async function startMetricEngines(
  settings: { DATABASE_URL: string; MYSQL_URL: string },
  only?: MetricEngine['name'][],
): Promise<MetricEngines> {
  const want = (name: MetricEngine['name']) => !only || only.includes(name);
  const id = `sluice_metrics_${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-'));
  const engines: MetricEngine[] = [];
  const admin = new pg.Client({ connectionString: settings.DATABASE_URL });
  await admin.connect();
  let my: mysql.Connection | undefined;
  if (want('postgres')) {
    await admin.query(`CREATE SCHEMA "${id}"`);
    await loadDemoIntoPostgres(admin, `"${id}".`);
    engines.push({
      name: 'postgres',
      source: createPostgresSource({ url: settings.DATABASE_URL }),
      catalog: demoCatalogIn(id),
    });
  }
  if (want('mysql')) {
    my = await mysql.createConnection({ uri: settings.MYSQL_URL });
    await my.query(`CREATE DATABASE \`${id}\``);
    await loadDemoIntoMysql(my, `\`${id}\`.`);
    engines.push({
      name: 'mysql',
      source: createMysqlSource({ url: settings.MYSQL_URL }),
      catalog: demoCatalogIn(id),
    });
  }
  if (want('sqlite')) {
    const file = join(dir, 'demo.sqlite');
    const db = new Database(file);
    loadDemoIntoSqlite(db);
    db.close();
    engines.push({
      name: 'sqlite',
      source: createSqliteSource({ filename: file }),
      catalog: loadDemoCatalog(),
    });
  }
  if (want('duckdb')) {
    const file = join(dir, 'demo.duckdb');
    const instance = await DuckDBInstance.create(file);
    const conn = await instance.connect();
    await loadDemoIntoDuckdb(conn);
    conn.closeSync();
    instance.closeSync();
    engines.push({ name: 'duckdb', source: createDuckdbSource({ path: file }), catalog: loadDemoCatalog() });
  }
  return {
    engines,
    pgSchema: id,
    pgUrl: settings.DATABASE_URL,
    async close() {
      await Promise.allSettled(engines.map((e) => e.source.close()));
      await admin.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
      await admin.end();
      if (my) {
        await my.query(`DROP DATABASE IF EXISTS \`${id}\``);
        await my.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function readAll(batches: AsyncIterable<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}
