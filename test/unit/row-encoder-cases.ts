/**
 * Rows every row-format encoder test runs through (ndjson, json, parquet, arrow): one column per logical
 * type (and decimals at each physical width), values per core/rows.ts, chosen where encoders go wrong.
 * Not a test file itself; the <format>-encoder.test.ts files import it.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../core/rows.ts';
import type { EncoderOptions, EncoderSpec } from '../../encoders/encoder.ts';

export const allTypes: Column[] = [
  { name: 'b', type: 'boolean' },
  { name: 'i32', type: 'int32' },
  { name: 'i64', type: 'int64' },
  { name: 'f64', type: 'float64' },
  { name: 'd9', type: 'decimal', precision: 9, scale: 2 },
  { name: 'd18', type: 'decimal', precision: 18, scale: 4 },
  { name: 'd38', type: 'decimal', precision: 38, scale: 10 },
  { name: 'dany', type: 'decimal', nativeType: 'numeric' },
  { name: 's', type: 'string', nativeType: 'text', nullable: true },
  { name: 'bin', type: 'binary' },
  { name: 'day', type: 'date' },
  { name: 'ts', type: 'timestamp' },
  { name: 'tstz', type: 'timestamptz' },
  { name: 'j', type: 'json' },
  { name: 'u', type: 'uuid' },
];

export const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

export const D38_MIN = '-9999999999999999999999999999.9999999999';
export const D38_MAX = '9999999999999999999999999999.9999999999';

/** Rows in `allTypes` order. Row 0: ordinary values; 1: one extreme; 2: the other; 3: all NULL; 4: empties. */
export const allTypesRows: unknown[][] = [
  [
    true,
    42,
    1234567890123n,
    0.1,
    '1234.50',
    '-12.3400',
    '0.0000000001',
    '3.14159265358979323846264338327950288419716939937510',
    'plain',
    new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
    19_814, // 2024-04-01
    1_711_966_500_123_456n, // 2024-04-01T10:15:00.123456
    1_711_966_500_000_001n, // 2024-04-01T10:15:00.000001Z
    '{"a": [1,\n 2], "big": 123456789012345678901234567890}',
    '6f1c5b7e-3b1a-4c1e-9f0e-1234567890ab',
  ],
  [
    false,
    -2147483648,
    -9223372036854775808n,
    -1.7976931348623157e308,
    '-9999999.99',
    '-99999999999999.9999',
    D38_MIN,
    '-0.000000000000000000000000000000000000000001',
    'ünïcødé 東京 🚀 "quoted", comma\nnew line\r\n\ttab \\ backslash \u0000 nul',
    ALL_BYTES,
    -1, // 1969-12-31
    -1n, // 1969-12-31T23:59:59.999999
    -62_135_596_800_000_000n, // 0001-01-01T00:00:00Z
    '[]',
    '00000000-0000-0000-0000-000000000000',
  ],
  [
    true,
    2147483647,
    9223372036854775807n,
    5e-324,
    '9999999.99',
    '99999999999999.9999',
    D38_MAX,
    '1e+21',
    'x'.repeat(10_000),
    new Uint8Array(0),
    -719_162, // 0001-01-01
    253_402_300_799_999_999n, // 9999-12-31T23:59:59.999999
    0n,
    '"a string"',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ],
  allTypes.map(() => null),
  [false, 0, 0n, 0, '0.00', '0.0000', '0.0000000000', '0', '', new Uint8Array(0), 0, 0n, 0n, '{}', ''],
];

/** Encodes `batches` and returns the bytes, as the export pipeline would write them. */
export async function encode(
  spec: EncoderSpec,
  columns: Column[],
  batches: RowBatch[],
  options: EncoderOptions = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from(batches, { objectMode: true }), spec.create(columns, options), async (src) => {
    for await (const c of src) chunks.push(c as Buffer);
  });
  return Buffer.concat(chunks);
}

/** `count` batches of `rows` rows of (id int64, label string), generated lazily. */
export function numberedBatches(count: number, rows: number): RowBatch[] {
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: rows }, (_, r) => [
      BigInt(b * rows + r),
      `row ${b * rows + r} ${'·'.repeat(r % 7)}`,
    ]),
  );
}
export const numbered: Column[] = [
  { name: 'id', type: 'int64' },
  { name: 'label', type: 'string' },
];

/**
 * Feeds `total` batches from a counting source into the encoder, with a consumer that takes one chunk and
 * then stops reading. Returns how many batches the source had given up by the time things settled: an
 * encoder with backpressure stops well short of `total`; one that buffers its output takes them all.
 * Then lets the consumer go and checks the whole output arrives.
 */
export async function runAheadWhileStalled(
  spec: EncoderSpec,
  options: EncoderOptions,
  total: number,
  rowsPerBatch: number,
): Promise<{ pulledWhileStalled: number; total: number; bytes: number }> {
  let pulled = 0;
  const batches = numberedBatches(total, rowsPerBatch);
  const source = Readable.from(
    (function* () {
      for (const b of batches) {
        pulled++;
        yield b;
      }
    })(),
    { objectMode: true, highWaterMark: 1 },
  );
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let bytes = 0;
  const stalledConsumer = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, callback) {
      bytes += chunk.byteLength;
      void released.then(() => callback());
    },
  });
  const done = pipeline(source, spec.create(numbered, options), stalledConsumer);
  // Let everything that can run ahead do so; check twice that it stopped growing.
  let previous = -1;
  while (pulled !== previous) {
    previous = pulled;
    await sleep(100);
  }
  const pulledWhileStalled = pulled;
  release();
  await done;
  return { pulledWhileStalled, total: pulled, bytes };
}
