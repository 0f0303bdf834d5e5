const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A number as a reader of a board deck expects it: grouped thousands, at most two decimals. */
export function formatNumber(value: number): string {
  return Number.isFinite(value) ? grouped.format(value) : String(value);
}
