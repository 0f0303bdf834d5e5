import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

describe('the machine’s databases (real)', () => {
  it('PostgreSQL answers a query', async () => {
    const client = new pg.Client({ connectionString: inject('infra').DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; two: number }>('SELECT version(), 1 + 1 AS two');
      console.log(`[smoke] ${rows[0]!.version}`);
      expect(rows[0]!.two).toBe(2);
      expect(rows[0]!.version).toMatch(/^PostgreSQL \d+/);
    } finally {
      await client.end();
    }
  });

  it('MariaDB answers a query', async () => {
    const conn = await mysql.createConnection(inject('infra').MYSQL_URL);
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version, 1 + 1 AS two');
      console.log(`[smoke] MariaDB ${rows[0]!.version}`);
      expect(Number(rows[0]!.two)).toBe(2);
      expect(String(rows[0]!.version)).toMatch(/MariaDB/);
    } finally {
      await conn.end();
    }
  });
});
