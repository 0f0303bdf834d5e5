import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectWriter, Sink, StoredObject } from './sink.ts';

type Stage = NodeJS.ReadableStream | NodeJS.ReadWriteStream | Readable;

/**
 * Runs `stages → writer` with pipeline() and settles the writer either way: the stored object once it is
 * committed, or — when anything failed or was aborted — the failure, but only after the writer's own abort
 * (the multipart upload aborted, the temp file gone) has finished. pipeline() settles on the first error,
 * before the writer is done cleaning up; returning then would let a caller delete or retry over a
 * half-finished abort.
 */
export async function pipeIntoWriter(
  stages: Stage[],
  writer: ObjectWriter,
  signal?: AbortSignal,
): Promise<StoredObject> {
  try {
    await pipeline([...(stages as [Readable]), writer], signal ? { signal } : {});
  } catch (err) {
    await writer.stored.catch(() => {});
    throw err;
  }
  return writer.stored;
}

/** A small object written whole (a manifest, a SQL file): all or nothing, like any export. */
export function writeWholeObject(
  sink: Sink,
  key: string,
  { contentType, body, signal }: { contentType: string; body: string | Buffer; signal?: AbortSignal },
): Promise<StoredObject> {
  signal?.throwIfAborted();
  const writer = sink.createWriter(key, { contentType });
  return pipeIntoWriter(
    [Readable.from([typeof body === 'string' ? Buffer.from(body, 'utf8') : body])],
    writer,
    signal,
  );
}
