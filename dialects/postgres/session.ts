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
  ];
  if (statementTimeoutMs !== undefined) settings.push(['statement_timeout', String(statementTimeoutMs)]);
  return settings.map(([name, value]) => `SET ${name} = '${value}'`).join('; ');
}
