import type { Column } from '../schemas/column.ts';
import type { CompiledQuery, Query, Source } from '../dialects/source.ts';
import { renderSql, SQL_CONTENT_TYPE } from '../encoders/sql/render-sql.ts';
import type { Sink, StoredObject } from '../sinks/sink.ts';
import type { CompressionStage } from './compression.ts';
import { Readable } from 'node:stream';
import { pipeIntoWriter } from '../sinks/settle-writer.ts';

export interface SqlExportPlan {
  source: Source;
  query: Query;
  sink: Sink;
  key: string;
  comment?: string;
  compression?: CompressionStage;
}

export interface SqlExportResult {
  compiled: CompiledQuery;
  columns: Column[];
  object: StoredObject;
}

/**
 * The `sql` format: the statement the source would run, compiled for its dialect and checked against the
 * real schema (describe() prepares it without reading rows), written as a file. No rows are read.
 */
export async function runSqlExport(plan: SqlExportPlan, signal?: AbortSignal): Promise<SqlExportResult> {
  const compiled = await plan.source.compile(plan.query);
  const columns = await plan.source.describe(plan.query);
  const text = renderSql({ dialect: plan.source.dialect, compiled, comment: plan.comment });
  const writer = plan.sink.createWriter(plan.key, {
    contentType: plan.compression?.contentType ?? SQL_CONTENT_TYPE,
  });
  const stages: NodeJS.ReadWriteStream[] = plan.compression ? [plan.compression.transform] : [];
  const object = await pipeIntoWriter(
    [Readable.from([Buffer.from(text, 'utf8')]), ...stages],
    writer,
    signal,
  );
  return { compiled, columns, object };
}
