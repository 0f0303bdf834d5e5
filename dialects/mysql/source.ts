import type { FieldPacket } from 'mysql2';
import type { Column } from '../../schemas/column.ts';
import { SluiceError, type ErrorCode } from '../../core/errors.ts';
import type { CompiledQuery, Query, RowBatch, RowStream, Source, StreamOptions } from '../source.ts';
import { compileTableSelect } from '../table-select.ts';
import { resolveTable } from './describe.ts';
import { mysqlDialect } from './dialect.ts';
import { cancelled, toSluiceError } from './errors.ts';
import { startResultStream, type ResultStream } from './result-stream.ts';
import { createConnector, type Lease } from './session.ts';
import { serverFlavor, withStatementTimeout, type ServerFlavor } from './statement-timeout.ts';
import {
  logicalColumn,
  nativeFromField,
  refineWithInformationSchema,
  type FieldLike,
  type NativeColumn,
} from './types.ts';
import { conversionPlan, convertBatch, type ConversionPlan } from './values.ts';
import { invalidFields } from '../../schemas/parse-contract.ts';

export interface MysqlSourceOptions {
  /** `mysql://user:password@host:port/database` (MariaDB too); the database is where bare table names live. */
  url: string;
  /** Connections kept open; every running stream holds one for as long as it runs. */
  poolSize?: number;
  /**
   * Server-side limit on each statement (MariaDB `max_statement_time`, MySQL `max_execution_time`, which
   * covers SELECT only). It counts wall time on the server, including time spent waiting on a slow consumer.
   * 0 or absent: no limit.
   */
  statementTimeoutMs?: number;
  /**
   * How long the consumer may take nothing before the server, blocked writing rows nobody reads, hangs up
   * (`net_write_timeout`, whose 60 s default a stalled upload easily outlasts). The stream then fails with
   * SOURCE_UNAVAILABLE (retriable), never ends short.
   */
  stallTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 4;
const DEFAULT_STALL_TIMEOUT_MS = 10 * 60_000;
/**
 * Small batches die young: with 4096 rows (~4 MB) per batch, the handful in flight outgrew V8's young
 * generation, so most rows were promoted and collected by full GCs (a 1M-row CSV export: 4.9 CPU-s at 4096,
 * 3.6 at 1024, peak RSS 197 → 154 MB).
 */
const DEFAULT_BATCH_ROWS = 1024;
/** Full batches read ahead of the consumer before the connection is paused. */
const READ_AHEAD_BATCHES = 2;

interface Compiled {
  compiled: CompiledQuery;
  /** Table queries: each column as information_schema describes it, by name. */
  natives?: Map<string, NativeColumn>;
}

export function createMysqlSource(options: MysqlSourceOptions): Source {
  const {
    url,
    poolSize = DEFAULT_POOL_SIZE,
    statementTimeoutMs,
    stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS,
  } = options;
  checkPositiveInteger('poolSize', poolSize);
  // 0 is "no limit", as for the server variables and the PostgreSQL source (openSource passes one value).
  if (statementTimeoutMs !== undefined && statementTimeoutMs !== 0) {
    checkPositiveInteger('statementTimeoutMs', statementTimeoutMs);
  }
  checkPositiveInteger('stallTimeoutMs', stallTimeoutMs);

  const connector = createConnector({ url, poolSize, statementTimeoutMs, stallTimeoutMs });
  const running = new Set<ResultStream>();
  let flavor: ServerFlavor | undefined;

  async function compileOn(lease: Lease, query: Query): Promise<Compiled> {
    if (query.kind === 'sql') return { compiled: { sql: query.sql, params: query.params ?? [] } };
    try {
      const table = await resolveTable(lease.rows, query.table);
      return { compiled: compileTableSelect(mysqlDialect, table.schema, query), natives: table.natives };
    } catch (err) {
      throw toSluiceError(err, `cannot describe table ${JSON.stringify(query.table)}`);
    }
  }

  /** Runs `use` on a pooled connection that is idle again afterwards (no statement left running). */
  async function withLease<T>(use: (lease: Lease) => Promise<T>): Promise<T> {
    const lease = await connector.acquire();
    try {
      return await use(lease);
    } finally {
      lease.release();
    }
  }

  return {
    dialect: 'mysql',

    compile(query) {
      return withLease(async (lease) => (await compileOn(lease, query)).compiled);
    },

    table(name) {
      return withLease(async (lease) => {
        try {
          return (await resolveTable(lease.rows, name)).schema;
        } catch (err) {
          throw toSluiceError(err, `cannot describe table ${JSON.stringify(name)}`);
        }
      });
    },

    describe(query) {
      return withLease(async (lease) => {
        const { compiled, natives } = await compileOn(lease, query);
        // The server's prepare reports the result's columns without running the statement.
        let fields: FieldPacket[];
        try {
          fields = await lease.prepareFields(compiled.sql);
        } catch (err) {
          throw toSluiceError(err, 'MySQL could not prepare the query');
        }
        if (fields.length === 0)
          throw invalidFields([{ field: 'query.sql', rule: 'must return rows (a SELECT)' }]);
        return columnsOf(fields, natives).map(({ column }) => column);
      });
    },

    async stream(
      query,
      { signal, batchRows = DEFAULT_BATCH_ROWS, timeoutMs }: StreamOptions = {},
    ): Promise<RowStream> {
      checkPositiveInteger('batchRows', batchRows);
      if (timeoutMs !== undefined) checkPositiveInteger('timeoutMs', timeoutMs);
      if (signal?.aborted) throw cancelled(signal.reason);
      const lease = await connector.acquire();
      let compiled: Compiled;
      try {
        if (query.kind === 'sql') await checkReturnsRows(lease, query.sql);
        await lease.beginReadOnly();
        compiled = await compileOn(lease, query);
        if (timeoutMs !== undefined) {
          flavor ??= await serverFlavor(lease);
          compiled = { ...compiled, compiled: withStatementTimeout(flavor, compiled.compiled, timeoutMs) };
        }
      } catch (err) {
        lease.release();
        throw err;
      }
      // From here the result stream owns the lease, and gives it back on every path.
      const result = await startResultStream(lease, compiled.compiled, {
        signal,
        batchRows,
        readAhead: READ_AHEAD_BATCHES,
      });
      running.add(result);
      let columns: Column[];
      let plan: ConversionPlan;
      try {
        const described = columnsOf(result.fields, compiled.natives);
        columns = described.map(({ column }) => column);
        plan = conversionPlan(
          described.map(({ native }) => native),
          columns,
        );
      } catch (err) {
        await result.close(err);
        running.delete(result);
        throw err;
      }
      return {
        columns,
        compiled: compiled.compiled,
        batches: batchIterator(result, plan, () => running.delete(result)),
      };
    },

    async close() {
      // Statements still streaming are stopped on the server before their connections go.
      await Promise.all([...running].map((result) => result.close()));
      await connector.end();
    },
  };
}

/**
 * A caller's statement is prepared before it runs: one that returns no rows (DDL, SET, CALL without a
 * result) is refused without running — the text protocol would otherwise have executed it to find out, and
 * DDL commits implicitly, outside any read-only transaction.
 */
async function checkReturnsRows(lease: Lease, sql: string): Promise<void> {
  let fields: FieldPacket[];
  try {
    fields = await lease.prepareFields(sql);
  } catch (err) {
    throw toSluiceError(err, 'MySQL could not prepare the query');
  }
  if (fields.length === 0) throw invalidFields([{ field: 'query.sql', rule: 'must return rows (a SELECT)' }]);
}

/** Each result column, from its packet, refined by information_schema for table queries. */
function columnsOf(
  fields: FieldPacket[],
  natives: Map<string, NativeColumn> | undefined,
): { native: NativeColumn; column: Column }[] {
  return fields.map((field) => {
    let native = nativeFromField(field as FieldLike);
    const info = natives?.get(field.orgName || field.name);
    if (info) native = refineWithInformationSchema(native, info);
    return { native, column: logicalColumn(native) };
  });
}

/**
 * The consumer's view: converted batches, and an iterator whose return() (a consumer that stops early,
 * pipeline() tearing down) stops the statement on the server. A plain object rather than an async
 * generator, because a generator that was never started skips its `finally` on return().
 */
function batchIterator(
  result: ResultStream,
  plan: ConversionPlan,
  onDone: () => void,
): AsyncIterable<RowBatch> {
  let done = false;
  const finish = async (reason?: unknown) => {
    done = true;
    await result.close(reason);
    onDone();
  };
  const iterator: AsyncIterableIterator<RowBatch> = {
    async next() {
      if (done) return { done: true, value: undefined };
      let batch: RowBatch | null;
      try {
        batch = await result.take();
        if (batch !== null) batch = convertBatch(batch, plan);
      } catch (err) {
        await finish(err);
        throw err;
      }
      if (batch === null) {
        await finish();
        return { done: true, value: undefined };
      }
      return { done: false, value: batch };
    },
    async return() {
      if (!done) await finish();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

function checkPositiveInteger(name: string, value: number, code: ErrorCode = 'CONFIG_INVALID'): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new SluiceError(code, `${name} must be a positive integer, got ${value}`);
  }
}
