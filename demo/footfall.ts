import Database from 'better-sqlite3';

/**
 * A demo table shaped like the seed's footfall metrics, with the values that break naive exporters:
 * unicode, delimiters, quotes and newlines inside text, NULL next to empty strings, int64 extremes,
 * timestamps with fractions and dates before 1970. Deterministic, so two runs produce identical files.
 */
export const DEMO_TABLE = 'footfall';

const LOCATIONS = [
  'Mall of Asia, Manila',
  'Zürich HB',
  'São Paulo – Paulista',
  '東京駅',
  'The "Old" Market',
  'Line\nbreak Plaza',
  'Café Ölberg; Süd',
];

export function createDemoDatabase(filename: string, rows: number): void {
  const db = new Database(filename);
  try {
    db.exec(`DROP TABLE IF EXISTS ${DEMO_TABLE};
      CREATE TABLE ${DEMO_TABLE} (
        id INTEGER PRIMARY KEY,
        location_id TEXT NOT NULL,
        location_name TEXT NOT NULL,
        observed_at TIMESTAMP NOT NULL,
        opened_on DATE,
        entries INTEGER NOT NULL,
        sales_volume NUMERIC(14, 2),
        lifetime_visits BIGINT,
        note TEXT
      )`);
    const insert = db.prepare(`INSERT INTO ${DEMO_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const random = mulberry32(20240401);
    const start = Date.UTC(2024, 3, 1);
    db.transaction(() => {
      for (let i = 1; i <= rows; i++) {
        const loc = i % LOCATIONS.length;
        const r = random();
        const observed = new Date(start + i * 60_000 + (i % 1000))
          .toISOString()
          .replace(/Z$/, `${i % 10}00Z`);
        insert.run(
          i,
          (0x64a1b2c3d4e5f6a7n + BigInt(loc)).toString(16).padStart(24, '0'),
          LOCATIONS[loc],
          observed,
          new Date(Date.UTC(1950 + ((loc * 11) % 70), loc, 1 + loc)).toISOString().slice(0, 10),
          Math.floor(r * 500),
          i % 13 === 0 ? null : (r * 100_000).toFixed(2),
          i === 1 ? 9223372036854775807n : i === 2 ? -9223372036854775808n : BigInt(i) * 1_000_003n,
          i % 10 === 0 ? null : i % 10 === 1 ? '' : `visit ${i}, "batch" ${i % 7}`,
        );
      }
    })();
  } finally {
    db.close();
  }
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
