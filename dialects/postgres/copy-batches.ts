import copyStreams from 'pg-copy-streams';
import type { Row, RowBatch } from '../source.ts';
import { CopyTextDecoder } from './copy-text-decoder.ts';
import { copyStatement } from './dialect.ts';
import type { QueryRun } from './query-run.ts';
import type { TextConverter } from './text-values.ts';

/**
 * The fast path for queries without bound values: `COPY (query) TO STDOUT` in text format. pg-copy-streams
 * strips the per-row CopyData framing and hands over plain bytes; the driver builds no per-row objects or
 * per-field strings, and the decoder turns the bytes straight into batches.
 *
 * Read-ahead stays bounded: the COPY stream is pulled only while a batch is being filled, so while the
 * consumer holds a batch at most the stream's buffer and the socket's fill up, and then TCP makes the
 * server wait.
 */
export async function* copyBatches(
  run: QueryRun,
  sql: string,
  converters: readonly TextConverter[],
  batchRows: number,
): AsyncGenerator<RowBatch> {
  let clean = false;
  try {
    run.check(); // aborted between stream() and the first next(): the connection is already gone
    const copy = run.client.query(copyStreams.to(copyStatement(sql), { highWaterMark: 256 * 1024 }));
    // The stream reports a failure after iteration may have stopped (connection destroyed on early exit);
    // the iterator surfaces failures while it runs, so later ones have nowhere useful to go.
    copy.on('error', () => {});
    const decoder = new CopyTextDecoder(converters);
    let batch: Row[] = [];
    for await (const chunk of copy) {
      decoder.write(chunk as Buffer);
      while (decoder.read(batch, batchRows)) {
        yield batch;
        run.check();
        batch = [];
      }
    }
    decoder.end();
    if (batch.length > 0) yield batch;
    clean = true;
  } catch (err) {
    throw run.failure(err);
  } finally {
    await run.finish(clean);
  }
}
