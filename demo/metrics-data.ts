/**
 * The demo catalog's facts (catalog/demo/catalog.json), generated deterministically so every engine gets
 * identical content: footfall entries per location, hour, segment and age band, and point-of-sale
 * transactions with a taxonomy and an amount in cents. The range spans the seed's April 2024, the
 * Europe/Berlin DST change (2024-03-31) and two month boundaries.
 */
export const DEMO_LOCATIONS = [
  { id: '64a1b2c3d4e5f6a7b8c9d0e1', region: 'North' },
  { id: '64a1b2c3d4e5f6a7b8c9d0e2', region: 'North' },
  { id: '64a1b2c3d4e5f6a7b8c9d0e3', region: 'North' },
  { id: '64a1b2c3d4e5f6a7b8c9d0e4', region: 'South' },
  { id: '64a1b2c3d4e5f6a7b8c9d0e5', region: 'South' },
  { id: '64a1b2c3d4e5f6a7b8c9d0e6', region: 'South' },
] as const;
export const DEMO_SEGMENTS = ['new', 'returning'] as const;
export const DEMO_AGE_BANDS = ['18-34', '35-54'] as const;
export const DEMO_TAXONOMIES = ['Products:Clothing', 'Products:Food', 'Services:Repairs'] as const;

export const DEMO_FIRST_DAY_MS = Date.UTC(2024, 2, 25);
export const DEMO_DAYS = 42; // to 2024-05-05 inclusive
/** Stores count from 07:00 to 20:59 UTC. */
const OPEN_HOURS = { from: 7, to: 20 };

export interface FootfallRow {
  locationId: string;
  region: string;
  segment: string;
  ageBand: string;
  /** ms since 1970, whole seconds */
  observedAt: number;
  entries: number;
}

export interface SaleRow {
  locationId: string;
  region: string;
  taxonomy: string;
  soldAt: number;
  amountCents: number;
}

export function demoFootfallRows(): FootfallRow[] {
  const random = mulberry32(20240401);
  const rows: FootfallRow[] = [];
  for (let day = 0; day < DEMO_DAYS; day++) {
    for (let hour = OPEN_HOURS.from; hour <= OPEN_HOURS.to; hour++) {
      const hourStart = DEMO_FIRST_DAY_MS + day * 86_400_000 + hour * 3_600_000;
      DEMO_LOCATIONS.forEach((loc, l) => {
        DEMO_SEGMENTS.forEach((segment, s) => {
          DEMO_AGE_BANDS.forEach((ageBand, a) => {
            // Readings land inside the hour, at a minute and second that vary, so bucket edges matter.
            const minute = (l * 13 + s * 7 + a * 3 + day + hour) % 60;
            rows.push({
              locationId: loc.id,
              region: loc.region,
              segment,
              ageBand,
              observedAt: hourStart + minute * 60_000 + ((l + hour) % 60) * 1000,
              entries: Math.floor(random() * 40),
            });
          });
        });
      });
    }
  }
  return rows;
}

export function demoSaleRows(): SaleRow[] {
  const random = mulberry32(20240402);
  const rows: SaleRow[] = [];
  for (let day = 0; day < DEMO_DAYS; day++) {
    const dayStart = DEMO_FIRST_DAY_MS + day * 86_400_000;
    for (const loc of DEMO_LOCATIONS) {
      const count = Math.floor(random() * 8);
      for (let i = 0; i < count; i++) {
        const second =
          OPEN_HOURS.from * 3600 + Math.floor(random() * (OPEN_HOURS.to - OPEN_HOURS.from + 1) * 3600);
        rows.push({
          locationId: loc.id,
          region: loc.region,
          taxonomy: DEMO_TAXONOMIES[Math.floor(random() * DEMO_TAXONOMIES.length)]!,
          soldAt: dayStart + second * 1000,
          amountCents: 100 + Math.floor(random() * 50_000),
        });
      }
    }
  }
  return rows;
}

/** `2024-04-01 10:15:00`: the text form SQLite stores, MariaDB DATETIME and DuckDB TIMESTAMP read. */
export function utcText(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');
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
