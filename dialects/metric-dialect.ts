/** How a label looks: `2024-04-01` (day, ISO week's Monday), `2024-04-01T09:00` (hour), `2024-04-01` (month's first day). */
export type LabelKind = 'date' | 'hour' | 'month';

/**
 * What differs between engines when compiling a metric plan. Each hook gets SQL fragments already built
 * from catalog names and placeholders; none gets a request's value as text.
 */
export interface MetricDialect {
  readonly name: string;
  quoteIdent(name: string): string;
  /** `schema.table` or `table`, each part quoted. */
  quoteTable(name: string): string;
  /** The n-th (1-based) bound value's placeholder: `$1`, `?`, `@p1`, `:1`. */
  placeholder(index: number): string;
  /** A bound instant (ISO text with ms and `Z`) compared with the time column: value and SQL around it. */
  timestampParam(iso: string, placeholder: string): { sql: string; value: unknown };
  /** A bound integer where the engine cannot infer the type (CASE branches). */
  intParam(placeholder: string): string;
  /** Whole seconds since 1970 (UTC) of the instant column. */
  epochSeconds(column: string): string;
  /** a mod b for non-negative a. */
  mod(a: string, b: string): string;
  /** A local wall-clock epoch (seconds) → its label text. */
  formatEpoch(epoch: string, kind: LabelKind): string;
  /** Aggregate results as 64-bit integers, so every engine returns the same values. */
  castBigint(sql: string): string;
  /** A text column ordered byte-wise, whatever the engine's default collation. */
  orderText(sql: string): string;
  /** Appends the row limit (a validated integer, so written as a literal). */
  limit(sql: string, rows: number): string;
}
