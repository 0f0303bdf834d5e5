/**
 * Settings every connection gets before its first query, so the text PostgreSQL sends is the same whatever
 * the server's or role's defaults are: the converters in text-values.ts read exactly these forms.
 */
export function sessionSetup(statementTimeoutMs: number | undefined): string {
  const settings: [string, string][] = [
    ['client_encoding', 'UTF8'],
    ['TimeZone', 'UTC'],
    ['DateStyle', 'ISO, YMD'],
    ['IntervalStyle', 'iso_8601'],
    // ≥ 1 selects shortest exact round-trip float output (PostgreSQL 12+); 3 also gives 17 digits on 11.
    ['extra_float_digits', '3'],
    ['bytea_output', 'hex'],
    // Exports only read. Every statement runs in a transaction that starts read-only, so a caller's
    // `WITH d AS (DELETE … RETURNING *) SELECT …`, `UPDATE … RETURNING`, `EXPLAIN ANALYZE INSERT …` or
    // nextval() fails with SQLSTATE 25006 and changes nothing. (A statement cannot make its own
    // transaction read-write once it runs; it can change this default for later ones, which is why a
    // connection that ran caller SQL is set up again before its next use — see source.ts.)
    ['default_transaction_read_only', 'on'],
  ];
  const statements = settings.map(([name, value]) => `SET ${name} = '${value}'`);
  // Always set (or reset to the role's default): a stream with its own timeout changes it on its
  // connection, and the next lease of that connection runs this setup again.
  statements.push(
    statementTimeoutMs === undefined
      ? 'SET statement_timeout TO DEFAULT'
      : `SET statement_timeout = '${statementTimeoutMs}'`,
  );
  return statements.join('; ');
}
