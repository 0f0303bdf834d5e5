import { z } from 'zod';
import { CsvGeneratorBodySchema } from './csv-generator.ts';
import { MetricRequestSchema } from './metric-request.ts';
import { ReportExportBodySchema } from './report-export.ts';

/** The largest first part a caller may ask for (see ExportOptionsSchema.partSizeMiB). */
export const MAX_CALLER_PART_SIZE_MIB = 64;
/** A split file holds at least this many rows (unless it is the last): 888 rows are never 888 objects. */
export const MIN_ROWS_PER_FILE = 1_000;

/**
 * ExportRequested v1: what any team produces to `sluice.export.requests` (JSON value, key = workspaceId).
 * Changes stay compatible: new fields optional, nothing removed or retyped; a breaking change is v2.
 */
const identifier = z.string().min(1).max(256);
const scalar = z.union([z.string().max(10_000), z.number(), z.boolean()]);

export const FilterSchema = z.strictObject({
  column: identifier,
  op: z.enum(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'is_null', 'is_not_null']),
  value: z.union([scalar, z.null(), z.array(scalar).min(1).max(10_000)]).optional(),
});

export const TableQuerySchema = z.strictObject({
  kind: z.literal('table'),
  /** `table` or `schema.table`, resolved against the source's real catalog. */
  table: identifier,
  columns: z.array(identifier).min(1).max(2_000).optional(),
  filters: z.array(FilterSchema).max(200).optional(),
  orderBy: z
    .array(z.strictObject({ column: identifier, direction: z.enum(['asc', 'desc']).optional() }))
    .max(50)
    .optional(),
  limit: z.number().int().min(0).optional(),
});

export const SqlQuerySchema = z.strictObject({
  kind: z.literal('sql'),
  sql: z.string().min(1).max(1_000_000),
  params: z
    .array(z.union([scalar, z.null()]))
    .max(10_000)
    .optional(),
});

/** The standard metric request (seed 004), resolved against the catalog and the recipient's row security. */
export const MetricQuerySchema = z.strictObject({
  kind: z.literal('metric'),
  request: MetricRequestSchema,
});

/** A report of the catalog (seed 000): `pages` pick pages (all when absent), `filters` apply to every visual. */
export const ReportQuerySchema = z.strictObject({
  kind: z.literal('report'),
  reportId: z.string().min(1).max(256),
  pages: ReportExportBodySchema.shape.pages,
  visuals: ReportExportBodySchema.shape.visuals,
  filters: ReportExportBodySchema.shape.filters,
  /**
   * Drawn across every page of a pdf and into every png (set by the API for an export made through a
   * shared link, from the link's stored text; other formats ignore it).
   */
  watermark: z.string().min(1).max(200).optional(),
});

/** The CSV generator (seed 004): several metric requests combined into one CSV; format must be csv. */
export const CsvGeneratorQuerySchema = z.strictObject({
  kind: z.literal('csv-generator'),
  body: CsvGeneratorBodySchema,
});

export const QuerySchema = z.discriminatedUnion('kind', [
  TableQuerySchema,
  SqlQuerySchema,
  MetricQuerySchema,
  ReportQuerySchema,
  CsvGeneratorQuerySchema,
]);

export const ExportOptionsSchema = z.strictObject({
  /** Text formats only (csv, ndjson, json, sql). */
  compression: z.enum(['none', 'gzip', 'zstd']).optional(),
  /** csv */
  header: z.boolean().optional(),
  /** csv: one character */
  delimiter: z.string().length(1).optional(),
  /** parquet */
  rowGroupRows: z.number().int().min(1_000).max(10_000_000).optional(),
  /**
   * First multipart part size. S3 allows 5 MiB to 5 GiB, but a worker holds up to 4 parts in memory per
   * running export (memory ≈ 5 × this), so callers get at most 64 MiB: 320 MiB per export at worst.
   */
  partSizeMiB: z.number().int().min(5).max(MAX_CALLER_PART_SIZE_MIB).optional(),
  /**
   * Split the output into `part-00001.<ext>` … files plus a `manifest.json`: a file closes at this many
   * rows, or at the first row boundary once it holds this many MiB (columnar formats: per row group).
   */
  maxRowsPerFile: z.number().int().min(MIN_ROWS_PER_FILE).optional(),
  maxFileSizeMiB: z.number().int().min(1).max(5_242_880).optional(),
  /**
   * Export a table in up to this many concurrent streams over ranges of its integer primary key (separate
   * files, one manifest); queries that cannot be sliced run as one stream and the manifest says why.
   */
  parallel: z.number().int().min(1).max(16).optional(),
  /**
   * `sql` format of a metric or report request: the statement compiled for this engine instead of the
   * source's — including engines sluice only writes SQL for (bigquery, snowflake, sqlserver).
   */
  sqlDialect: z
    .enum(['postgres', 'mysql', 'sqlite', 'duckdb', 'bigquery', 'snowflake', 'sqlserver'])
    .optional(),
});

/** Workspace ids name object keys, so they are restricted to a safe alphabet. */
export const WorkspaceIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
  message: 'workspaceId: 1-64 characters of A-Z a-z 0-9 _ -, starting with a letter or digit',
});

export const ExportRequestedSchema = z.strictObject({
  version: z.literal(1),
  /** The producer's id: the same (workspaceId, requestId) is the same job, however often it is delivered. */
  requestId: z.string().min(1).max(200),
  workspaceId: WorkspaceIdSchema,
  requestedBy: z.string().min(1).max(200),
  /** Whose row-level security applies; defaults to requestedBy. */
  recipient: z.string().min(1).max(200).optional(),
  /** A named connection from configuration (SLUICE_SOURCE_<NAME>), lower case. */
  source: z.string().regex(/^[a-z0-9_]{1,64}$/, { message: 'source: a configured source name (a-z 0-9 _)' }),
  query: QuerySchema,
  /** csv | ndjson | json | parquet | arrow | sql; an unknown one fails the job with FORMAT_UNSUPPORTED. */
  format: z.string().min(1).max(32),
  options: ExportOptionsSchema.optional(),
  urlTtlSeconds: z.number().int().min(60).max(604_800).optional(),
});

export type ExportRequested = z.infer<typeof ExportRequestedSchema>;
export type ExportOptions = z.infer<typeof ExportOptionsSchema>;

export const DEFAULT_URL_TTL_SECONDS = 3600;
