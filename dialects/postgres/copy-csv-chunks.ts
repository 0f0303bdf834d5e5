import copyStreams from 'pg-copy-streams';
import { SluiceError } from '../../core/errors.ts';
import { OUT_OF_RANGE_MARKER } from './csv-columns.ts';
import type { QueryRun } from './query-run.ts';

export interface CopyCsvCounter {
  rows: number;
}

/**
 * `COPY (query) TO STDOUT (FORMAT csv)`: the server writes the CSV and the bytes are passed on as they
 * arrive, never decoded. The stream is pulled only while the consumer asks, so a slow upload slows the
 * query (TCP makes the server wait). COPY's command tag (`COPY n`) gives the row count at the end.
 */
export async function* copyCsvChunks(
  run: QueryRun,
  sql: string,
  delimiter: string,
  counter: CopyCsvCounter,
): AsyncGenerator<Buffer> {
  let clean = false;
  try {
    run.check();
    const copy = run.client.query(
      copyStreams.to(copyCsvStatement(sql, delimiter), { highWaterMark: 256 * 1024 }),
    );
    copy.on('error', () => {}); // surfaced by the iterator while it runs; later ones have nowhere to go
    for await (const chunk of copy) {
      yield chunk as Buffer;
      run.check();
    }
    counter.rows = copy.rowCount;
    clean = true;
  } catch (err) {
    const failure = run.failure(err);
    if (failure instanceof Error && failure.message.includes(OUT_OF_RANGE_MARKER)) {
      throw new SluiceError(
        'VALUE_UNREPRESENTABLE',
        'a date/timestamp is infinite or outside years 1..9999; the CSV fast path cannot render it',
        { cause: failure, details: { retryOnDecodePath: true } },
      );
    }
    throw failure;
  } finally {
    await run.finish(clean);
  }
}

export function copyCsvStatement(sql: string, delimiter: string): string {
  const d = delimiter.replaceAll("'", "''");
  return `COPY (\n${sql.replace(/[\s;]+$/, '')}\n) TO STDOUT (FORMAT csv, DELIMITER '${d}', ENCODING 'UTF8')`;
}

/** COPY's CSV delimiter must be one single-byte character, and not a quote or line break. */
export function isCopyCsvDelimiter(delimiter: string): boolean {
  return delimiter.length === 1 && delimiter.charCodeAt(0) < 128 && !/["\r\n]/.test(delimiter);
}
