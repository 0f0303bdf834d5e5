import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMysqlSource } from '../../dialects/mysql/source.ts';
import type { RowBatch, RowStream, Source } from '../../dialects/source.ts';
import { runFormatExport } from '../../pipeline/run-format-export.ts';
import type { ObjectWriter, Sink, StoredObject } from '../../sinks/sink.ts';

// A MariaDB export whose consumer (the object store) is slow: rows must wait on the server, not pile up in
// the export pipeline. Issue 18 measured peak RSS growing with the row count (204 MB at 100k rows, 435 MB
// at 1M) because every object-mode stage between the source and the encoder held Node's default 16 batches.

const BATCH_ROWS = 1000;
const ROWS = 120_000;

/** The source, counting the rows the pipeline has taken out of it. */
function countingSource(inner: Source, taken: { rows: number }): Source {
  return {
    ...inner,
    streamCsv: undefined,
    async stream(query, options) {
      const stream: RowStream = await inner.stream(query, options);
      const batches = stream.batches[Symbol.asyncIterator]();
      const counted: AsyncIterableIterator<RowBatch> = {
        async next() {
          const r = await batches.next();
          if (!r.done) taken.rows += r.value.length;
          return r;
        },
        async return() {
          return (await batches.return?.()) ?? { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return counted;
        },
      };
      return { ...stream, batches: counted };
    },
  };
}

/** An object store that takes a while per chunk, counting the CSV rows it has received. */
function slowSink(received: { rows: number; maxInFlight: number }, taken: { rows: number }): Sink {
  return {
    kind: 'slow',
    remove: async () => {},
    createWriter(key, { contentType }) {
      let bytes = 0;
      let resolveStored!: (o: StoredObject) => void;
      let rejectStored!: (e: unknown) => void;
      const stored = new Promise<StoredObject>((res, rej) => {
        resolveStored = res;
        rejectStored = rej;
      });
      stored.catch(() => {});
      const writer = new Writable({
        async write(chunk: Buffer, _enc, callback) {
          // Rows out of the source but not yet here are what the pipeline holds in memory.
          received.maxInFlight = Math.max(received.maxInFlight, taken.rows - received.rows);
          await sleep(2);
          bytes += chunk.byteLength;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) received.rows++;
          callback();
        },
        final(callback) {
          resolveStored({ uri: `slow://${key}`, key, bytes, sha256: '', contentType });
          callback();
        },
        destroy(err, callback) {
          if (err) rejectStored(err);
          callback(err);
        },
      }) as ObjectWriter;
      Object.defineProperty(writer, 'stored', { value: stored });
      return writer;
    },
  };
}

let source: Source;
beforeAll(() => {
  source = createMysqlSource({ url: inject('infra').MYSQL_URL });
});
afterAll(async () => {
  await source?.close();
});

describe('MariaDB export into a slow store (real MariaDB)', () => {
  for (const format of ['csv', 'ndjson']) {
    it(`${format}: rows in flight between source and store stay bounded by a few batches`, async () => {
      const taken = { rows: 0 };
      const received = { rows: 0, maxInFlight: 0 };
      const result = await runFormatExport(
        {
          source: countingSource(source, taken),
          query: {
            kind: 'sql',
            sql: `SELECT CAST(seq AS SIGNED) AS id, CONCAT('row ', seq) AS name,
                    TIMESTAMP('2020-01-01') + INTERVAL seq SECOND AS at FROM seq_1_to_${ROWS}`,
          },
          format,
          encoderOptions: { header: false, delimiter: ',', lineEnding: 'lf' },
          sink: slowSink(received, taken),
          keyFor: (ext) => `out.${ext}`,
        },
        { batchRows: BATCH_ROWS },
      );
      expect(result.rows).toBe(ROWS);
      expect(received.rows).toBe(ROWS);
      // Each stage may hold a batch or two (the iterator's read-ahead, the progress tap, the encoder's
      // input and output); with Node's default object high-water marks it was 30+ batches.
      expect(received.maxInFlight).toBeGreaterThan(0);
      expect(received.maxInFlight).toBeLessThanOrEqual(10 * BATCH_ROWS);
      console.log(`[mysql ${format}] at most ${received.maxInFlight} rows between the source and the store`);
    });
  }
});
