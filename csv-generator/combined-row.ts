/** A combined row: the key (period, rowFilters values) and one cell per metric column. */
export interface CombinedRow {
  key: string[];
  cells: (bigint | null)[];
}

/** The key order both joins share: byte-wise, part by part, as the queries order their rows. */
export function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = Buffer.compare(Buffer.from(a[i]!), Buffer.from(b[i]!));
    if (c !== 0) return c;
  }
  return 0;
}
