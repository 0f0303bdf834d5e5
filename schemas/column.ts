/**
 * The logical column types every source maps its native types onto, and every encoder maps out of. Part of
 * the public contract: `ExportCompleted.columns` lists them, so names only ever get added.
 */
export type LogicalType =
  | 'boolean'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'decimal'
  | 'string'
  | 'binary'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'json'
  | 'uuid';

export interface Column {
  name: string;
  type: LogicalType;
  /** The engine's own type name, kept for people reading a manifest. */
  nativeType?: string;
  nullable?: boolean;
  /** decimal only */
  precision?: number;
  scale?: number;
}
