import type { CompiledQuery } from '../../core/compiled-query.ts';

export interface SqlDocument {
  dialect: string;
  compiled: CompiledQuery;
  /** Who and what, for the reader of the file; never part of the statement. */
  comment?: string;
}

/**
 * The statement exactly as it runs, placeholders included: inlining the bound values would produce SQL
 * that never ran (and invite quoting mistakes). The values follow in a comment, as JSON, in order.
 */
export function renderSql({ dialect, compiled, comment }: SqlDocument): string {
  const lines = [`-- dialect: ${dialect}`];
  if (comment) for (const line of comment.split('\n')) lines.push(`-- ${line}`);
  if (compiled.params.length > 0) {
    lines.push(`-- bound parameters, in order: ${JSON.stringify(compiled.params, jsonSafe)}`);
  }
  return `${lines.join('\n')}\n${compiled.sql.trimEnd().replace(/;$/, '')};\n`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export const SQL_CONTENT_TYPE = 'application/sql; charset=utf-8';
export const SQL_EXTENSION = 'sql';
