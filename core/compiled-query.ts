/**
 * What a dialect compiled: SQL text plus bound values, never concatenated. Sources run it, the `sql`
 * encoder writes it, metric plans produce it; it lives here so none of them imports another for it.
 */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
}
