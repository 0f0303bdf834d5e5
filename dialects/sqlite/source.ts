import Database from 'better-sqlite3';
import type { Column } from '../../schemas/column.ts';
import { SluiceError } from '../../core/errors.ts';
import type { CompiledQuery, Query, Row, RowBatch, RowStream, Source, StreamOptions } from '../source.ts';
import { compileTableSelect, type TableSchema } from '../table-select.ts';
import { quoteIdent, sqliteDialect } from './compile.ts';
import { columnFromDeclared, converterFor, logicalTypeOfValue, type Converter } from './types.ts';
import { invalidFields } from '../../schemas/parse-contract.ts';

export interface SqliteSourceOptions {
  /** A file path, or `:memory:`. */
  filename: string;
  readonly?: boolean;
}

const DEFAULT_BATCH_ROWS = 4096;

export function createSqliteSource({ filename, readonly = true }: SqliteSourceOptions): Source {
  let db: Database.Database;
  try {
    db = new Database(filename, { readonly, fileMustExist: readonly });
  } catch (err) {
    throw new SluiceError(
      'SOURCE_UNAVAILABLE',
      `cannot open SQLite database ${filename}: ${(err as Error).message}`,
      {
        cause: err,
        details: { filename },
      },
    );
  }

  function describeTable(table: string): TableSchema {
    const info = db.prepare('SELECT name, type FROM pragma_table_info(?)').all(table) as {
      name: string;
      type: string;
    }[];
    if (info.length === 0) {
      throw new SluiceError('TABLE_NOT_FOUND', `table ${JSON.stringify(table)} does not exist`, {
        details: { table },
      });
    }
    return {
      table,
      quotedName: quoteIdent(table),
      resolved: { schema: 'main', name: table },
      columns: info.map((c) => columnFromDeclared(c.name, c.type || null)),
    };
  }

  function compile(query: Query): CompiledQuery {
    if (query.kind === 'sql') return { sql: query.sql, params: query.params ?? [] };
    return compileTableSelect(sqliteDialect, describeTable(query.table), query);
  }

  function prepare(compiled: CompiledQuery) {
    let stmt;
    try {
      stmt = db.prepare(compiled.sql);
    } catch (err) {
      throw new SluiceError('QUERY_FAILED', `SQLite rejected the query: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!stmt.reader) throw invalidFields([{ field: 'query.sql', rule: 'must return rows (a SELECT)' }]);
    return stmt.raw(true).safeIntegers(true);
  }

  return {
    dialect: 'sqlite',

    async compile(query: Query): Promise<CompiledQuery> {
      return compile(query);
    },

    async table(name: string): Promise<TableSchema> {
      return describeTable(name);
    },

    async describe(query: Query): Promise<Column[]> {
      // Declared types only: expression columns report 'string' here, as no row is read.
      return prepare(compile(query))
        .columns()
        .map((c) => columnFromDeclared(c.name, c.type));
    },

    async stream(
      query: Query,
      { signal, batchRows = DEFAULT_BATCH_ROWS, timeoutMs }: StreamOptions = {},
    ): Promise<RowStream> {
      signal?.throwIfAborted();
      // better-sqlite3 runs each step synchronously and offers no interrupt, so a query's own limit is
      // checked between batches: it stops a long stream, not one slow step (a big GROUP BY's first row).
      const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
      const compiled = compile(query);
      const stmt = prepare(compiled);
      let rows: IterableIterator<Row>;
      let first: RowBatch;
      try {
        rows = stmt.iterate(...(compiled.params as unknown[])) as IterableIterator<Row>;
        first = readBatch(rows, batchRows);
      } catch (err) {
        throw fromSqlite(err);
      }
      const columns = stmt.columns().map((c, i): Column => {
        const col = columnFromDeclared(c.name, c.type);
        if (c.type !== null) return col;
        const sample = first.find((r) => r[i] !== null)?.[i];
        return { ...col, type: sample === undefined ? 'string' : logicalTypeOfValue(sample) };
      });
      const converters = columns.map((c) => converterFor(c.type));
      return { columns, compiled, batches: batches(first, rows, converters, batchRows, signal, deadline) };
    },

    async estimateRows(query: Query): Promise<number | undefined> {
      if (query.kind !== 'table' || (query.filters?.length ?? 0) > 0) return undefined;
      // An embedded file: counting is a scan of the table's smallest index, quick beside the export itself.
      const { n } = db
        .prepare(`SELECT count(*) AS n FROM ${describeTable(query.table).quotedName}`)
        .get() as {
        n: number;
      };
      return Math.min(n, query.limit ?? Infinity);
    },

    async close() {
      db.close();
    },
  };
}

/**
 * The database is opened read-only, so a statement that writes (`DELETE … RETURNING`) fails with
 * SQLITE_READONLY at its first step and changes nothing.
 */
function fromSqlite(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) {
    return new SluiceError(
      'QUERY_NOT_READ_ONLY',
      `exports run read-only; the statement would change data or schema: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new SluiceError('QUERY_FAILED', `SQLite rejected the query: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return err;
}

function readBatch(rows: Iterator<Row>, max: number): RowBatch {
  const batch: RowBatch = [];
  for (let r = rows.next(); !r.done; r = rows.next()) {
    batch.push(r.value);
    if (batch.length === max) break;
  }
  return batch;
}

async function* batches(
  first: RowBatch,
  rows: IterableIterator<Row>,
  converters: Converter[],
  batchRows: number,
  signal: AbortSignal | undefined,
  deadline: number | undefined,
): AsyncGenerator<RowBatch> {
  try {
    let batch = first;
    while (batch.length > 0) {
      signal?.throwIfAborted();
      if (deadline !== undefined && Date.now() > deadline) {
        throw new SluiceError('QUERY_TIMEOUT', 'SQLite query ran past its time limit');
      }
      yield convert(batch, converters);
      if (batch.length < batchRows) return;
      batch = readBatch(rows, batchRows);
    }
  } finally {
    // Ends the statement early when the consumer stops (error, abort); a no-op once exhausted.
    rows.return?.();
  }
}

function convert(batch: RowBatch, converters: Converter[]): RowBatch {
  for (const row of batch) {
    for (let i = 0; i < converters.length; i++) {
      if (row[i] !== null) row[i] = converters[i]!(row[i]);
    }
  }
  return batch;
}
