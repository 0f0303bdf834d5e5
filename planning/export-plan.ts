import type { CsvLayout } from '../csv-generator/bind-columns.ts';
import type { CompiledQuery, SqlQuery, TableQuery, TableSchema } from '../dialects/source.ts';
import type { EncoderOptions } from '../encoders/encoder.ts';
import type { MetricPlan } from '../metrics/plan.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { VisualExport } from '../reports/resolve-report-export.ts';
import type { PolicyStore, RowSecurity } from '../security/row-policy.ts';
import type { SourceGrant } from '../security/source-grants.ts';
import type { SourceConfig } from '../dialects/source-registry.ts';

/**
 * A request turned into what runs: every rule checked, every name resolved against the catalog and the
 * source, the recipient's row security compiled in. Plain data (no connections, no streams), so the API
 * can build it to answer 4xx at once and the worker can build the same one to run.
 */
export interface ExportPlan {
  workspaceId: string;
  /** Whose rows: the recipient's row security is already in every unit. */
  recipient: string;
  /** The configured source every unit runs on. */
  source: string;
  /** A row format (csv, ndjson, json, parquet, arrow) or `sql` (the statements, not their rows). */
  format: string;
  compression: 'none' | 'gzip' | 'zstd';
  encoderOptions: EncoderOptions;
  /** First multipart part size, when the request chose one. */
  partSizeMiB?: number;
  /** Split each file into parts (with a manifest) or run parallel key-range streams. */
  split?: SplitRequest;
  layout: PlanLayout;
  units: PlanUnit[];
  /** `file-per-unit`: what the manifest says about the whole set (e.g. `{ kind: 'report', reportId, title }`). */
  manifest?: { kind: string; meta: Record<string, string> };
  /** A line for the reader of a `sql` file. */
  comment: string;
  /** `document`: what the rendered document says about the whole (its title, the filters, a watermark). */
  document?: {
    reportId: string;
    title: string;
    filters: Record<string, string | string[]>;
    watermark?: string;
  };
}

export interface SplitRequest {
  maxRowsPerFile?: number;
  maxFileSizeMiB?: number;
  parallel?: number;
}

/**
 * How units become objects:
 * - `one-file`: one unit, one object (split into parts plus a manifest when `split` asks for it);
 * - `file-per-unit`: one object per unit (each possibly split) plus one manifest listing them all;
 * - `statements`: the `sql` format of several units, one file holding every statement;
 * - `document`: a report in a rendered format (pdf, xlsx, png, pptx): the units' rows go to one renderer.
 */
export type PlanLayout = 'one-file' | 'file-per-unit' | 'statements' | 'document';

export interface PlanUnit {
  /** The file's name in the job's folder (without extension); `undefined` → the job's own object key. */
  name?: string;
  query: UnitQuery;
  /** What a manifest entry says about this unit (a report visual's page, id and title); opaque below planning. */
  labels?: Record<string, string>;
  /** The visual this unit draws, for rendered documents: where it sits, and how it is drawn. */
  visual?: Omit<VisualExport, 'plan'>;
  /** The `sql` format: the comment above this unit's statement. */
  comment?: string;
  /** Stops this unit's query after this long (a report's `queryTimeoutMs`). */
  timeoutMs?: number;
}

export type UnitQuery =
  /** A table select: names resolved on the source, the recipient's row filter set when the table is governed. */
  | { kind: 'table'; query: TableQuery }
  /** The caller's own statement, on tables the grant allows and row security does not govern. */
  | { kind: 'sql'; query: SqlQuery }
  /** A metric plan and the statement it compiles to on the source (or `sqlDialect`, for the sql format). */
  | { kind: 'metric'; plan: MetricPlan; compiled: CompiledQuery; sqlDialect?: string }
  /** The CSV generator: several metric plans joined into one table of text columns. */
  | { kind: 'csv-generator'; layout: CsvLayout; plans: MetricPlan[] };

/** A source from configuration with its grant: which workspaces, tables and raw SQL it serves (deny by default). */
export interface GrantedSourceConfig extends SourceConfig {
  grant: SourceGrant;
}

/** A configured source as planning sees it: its engine and its grant, never its URL. */
export interface SourceFacts {
  name: string;
  dialect: string;
  grant: SourceGrant;
}

/** The live facts of sources, behind an interface so planning stays pure and the API can cache them. */
export interface SourceCatalog {
  source(name: string): SourceFacts | undefined;
  /** The table as the source resolves it: TABLE_NOT_FOUND when it does not exist. */
  table(source: string, table: string): Promise<TableSchema>;
}

/** Everything planning looks things up in. */
export interface PlanningFacts {
  catalog: Catalog;
  policies: PolicyStore;
  sources: SourceCatalog;
  /** The planning time box (DEFAULT_PLANNING_TIMEOUT_MS when absent), checked between a body's units. */
  timeoutMs?: number;
}

export type { RowSecurity };
