import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Column, LogicalType } from '../../schemas/column.ts';
import { SluiceError } from '../../core/errors.ts';
import type {
  CompiledQuery,
  Query,
  Row,
  RowBatch,
  RowStream,
  Source,
  StreamOptions,
  TableSchema,
} from '../source.ts';
import { compileTableSelect, type SqlDialect } from '../table-select.ts';
import { quoteIdent } from './metric-dialect.ts';

export interface DuckdbSourceOptions {
  /** A database file, or `:memory:`. */
  path: string;
  /** Every query's limit unless a stream asks for its own; undefined for none. */
  statementTimeoutMs?: number;
}

const duckdbDialect: SqlDialect = { name: 'duckdb', quoteIdent, placeholder: () => '?' };

/**
 * DuckDB as a Source, in process. One connection per stream (DuckDB connections are cheap and a running
 * query ties one up). A timeout or an abort calls interrupt(), which stops the query inside DuckDB; the
 * stream then fails with QUERY_TIMEOUT or the abort's reason.
 */
export function createDuckdbSource({ path, statementTimeoutMs }: DuckdbSourceOptions): Source {
  const instance = DuckDBInstance.create(path, readOnlyConfig(path));

  async function connect(): Promise<DuckDBConnection> {
    const conn = await (await instance).connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    return conn;
  }

  async function describeOn(conn: DuckDBConnection, name: string): Promise<TableSchema> {
    const dot = name.indexOf('.');
    const [schema, table] = dot === -1 ? ['main', name] : [name.slice(0, dot), name.slice(dot + 1)];
    const info = (
      await conn.runAndReadAll(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
        [schema, table],
      )
    ).getRows() as [string, string][];
    if (info.length === 0) {
      throw new SluiceError('TABLE_NOT_FOUND', `table ${JSON.stringify(name)} does not exist`, {
        details: { table: name },
      });
    }
    return {
      table: name,
      quotedName: `${quoteIdent(schema)}.${quoteIdent(table)}`,
      resolved: { schema, name: table },
      columns: info.map(([column, type]) => ({ name: column, type: 'string', nativeType: type })),
    };
  }

  async function compileOn(conn: DuckDBConnection, query: Query): Promise<CompiledQuery> {
    if (query.kind === 'sql') return { sql: query.sql, params: query.params ?? [] };
    return compileTableSelect(duckdbDialect, await describeOn(conn, query.table), query);
  }

  return {
    dialect: 'duckdb',

    async table(name) {
      const conn = await connect();
      try {
        return await describeOn(conn, name);
      } finally {
        conn.closeSync();
      }
    },

    async compile(query) {
      const conn = await connect();
      try {
        return await compileOn(conn, query);
      } finally {
        conn.closeSync();
      }
    },

    async describe(query) {
      const conn = await connect();
      try {
        const compiled = await compileOn(conn, query);
        const prepared = await conn.prepare(compiled.sql);
        const columns: Column[] = [];
        for (let i = 0; i < prepared.columnCount; i++) {
          columns.push(columnOf(prepared.columnName(i), prepared.columnType(i)));
        }
        return columns;
      } finally {
        conn.closeSync();
      }
    },

    async stream(query: Query, { signal, batchRows, timeoutMs }: StreamOptions = {}): Promise<RowStream> {
      signal?.throwIfAborted();
      const conn = await connect();
      const limit = timeoutMs ?? statementTimeoutMs;
      let timedOut = false;
      const timer =
        limit !== undefined && limit > 0
          ? setTimeout(() => {
              timedOut = true;
              conn.interrupt();
            }, limit)
          : undefined;
      const onAbort = () => conn.interrupt();
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        conn.closeSync();
      };
      const failure = (err: unknown): unknown => {
        if (signal?.aborted) return signal.reason;
        if (timedOut) {
          return new SluiceError('QUERY_TIMEOUT', `DuckDB stopped the query after ${limit} ms`, {
            cause: err,
          });
        }
        if (err instanceof SluiceError) return err;
        if (/read-only mode|read-only transaction/i.test((err as Error).message)) {
          return new SluiceError(
            'QUERY_NOT_READ_ONLY',
            `exports run read-only; the statement would change data or schema: ${(err as Error).message}`,
            { cause: err },
          );
        }
        return new SluiceError('QUERY_FAILED', `DuckDB rejected the query: ${(err as Error).message}`, {
          cause: err,
        });
      };
      try {
        const compiled = await compileOn(conn, query);
        const result = await conn.stream(compiled.sql, compiled.params as DuckDBValue[]);
        const types = result.columnTypes();
        const columns = result.columnNames().map((name, i) => columnOf(name, types[i]!));
        const converters = columns.map((c) => converterFor(c.type));
        async function* batches(): AsyncGenerator<RowBatch> {
          try {
            let pending: RowBatch = [];
            for (;;) {
              const chunk = await result.fetchChunk();
              if (!chunk || chunk.rowCount === 0) break;
              for (const raw of chunk.getRows()) {
                pending.push(raw.map((v, i) => (v === null ? null : converters[i]!(v))) as Row);
              }
              if (batchRows === undefined || pending.length >= batchRows) {
                yield pending;
                pending = [];
              }
            }
            if (pending.length > 0) yield pending;
          } catch (err) {
            throw failure(err);
          } finally {
            finish();
          }
        }
        return { columns, compiled, batches: batches() };
      } catch (err) {
        finish();
        throw failure(err);
      }
    },

    async close() {
      (await instance).closeSync();
    },
  };
}

/**
 * Exports only read: a database file is attached read-only (writes fail), and file system access is off
 * (no `COPY … TO`, `ATTACH`, `read_csv` of the worker's files, extension installs) — it cannot be turned
 * back on while the database runs. An in-memory database cannot be opened read-only; it holds nothing but
 * what its own queries create, and file access is off for it too.
 */
export function readOnlyConfig(path: string): Record<string, string> {
  const config: Record<string, string> = { enable_external_access: 'false' };
  if (path !== ':memory:' && path !== '') config.access_mode = 'READ_ONLY';
  return config;
}

function logicalType(type: DuckDBType): LogicalType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return 'int32';
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return 'int64';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'float64';
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.DECIMAL:
      return 'decimal';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
      return 'timestamp';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamptz';
    case DuckDBTypeId.BLOB:
      return 'binary';
    case DuckDBTypeId.UUID:
      return 'uuid';
    default:
      return 'string';
  }
}

function columnOf(name: string, type: DuckDBType): Column {
  return { name, type: logicalType(type), nativeType: type.toString() };
}

/** DuckDB's JS values → the row representation of dialects/source.ts. */
function converterFor(type: LogicalType): (value: DuckDBValue) => unknown {
  switch (type) {
    case 'int64':
      return (v) => BigInt(v as bigint | number);
    case 'int32':
    case 'float64':
    case 'boolean':
      return (v) => v;
    case 'date':
      return (v) => (v as DuckDBDateValue).days;
    case 'timestamp':
      return (v) => (v as DuckDBTimestampValue).micros;
    case 'timestamptz':
      return (v) => (v as DuckDBTimestampTZValue).micros;
    case 'binary':
      return (v) => (v as DuckDBBlobValue).bytes;
    default:
      return (v) => (typeof v === 'string' ? v : String(v));
  }
}
