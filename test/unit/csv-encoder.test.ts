import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { checkOptions } from '../../planning/check-options.ts';
import type { FieldError } from '../../schemas/parse-contract.ts';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../schemas/column.ts';
import { csvEncoder } from '../../encoders/csv/csv-transform.ts';
import type { RowBatch } from '../../core/rows.ts';

async function encode(columns: Column[], batches: RowBatch[], options = {}): Promise<string> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from(batches, { objectMode: true }),
    csvEncoder.create(columns, options),
    async (src) => {
      for await (const c of src) chunks.push(c as Buffer);
    },
  );
  return Buffer.concat(chunks).toString('utf8');
}

const text: Column[] = [
  { name: 'id', type: 'int64' },
  { name: 'label', type: 'string' },
];

describe('csv encoder', () => {
  const tricky = [
    '',
    'plain',
    'a,b',
    'say "hi"',
    'line\nbreak',
    'cr\rlf\r\n',
    'ünïcødé 東京 🚀',
    ' padded ',
    ';',
  ];

  it('round-trips tricky text through an independent parser, keeping NULL apart from ""', async () => {
    const rows = [...tricky.map((s, i) => [BigInt(i), s]), [99n, null]];
    const csv = await encode(text, [rows]);
    const parsed = parse(csv, {
      columns: false,
      relax_quotes: false,
      quote: '"',
      record_delimiter: '\r\n',
    }) as string[][];
    expect(parsed[0]).toEqual(['id', 'label']);
    expect(parsed.slice(1).map((r) => r[1])).toEqual([...tricky, '']);
    // The parser cannot tell NULL from "" (no CSV reader can without a convention); the bytes can:
    expect(csv).toContain('\r\n0,""\r\n');
    expect(csv.endsWith('\r\n99,\r\n')).toBe(true);
  });

  it('honours another delimiter, quoting fields that contain it', async () => {
    const csv = await encode(
      text,
      [
        [
          [1n, 'a;b'],
          [2n, 'a,b'],
        ],
      ],
      { delimiter: ';' },
    );
    expect(csv).toBe('id;label\r\n1;"a;b"\r\n2;a,b\r\n');
  });

  it('writes typed values in their canonical text form', async () => {
    const columns: Column[] = [
      { name: 'b', type: 'boolean' },
      { name: 'i', type: 'int64' },
      { name: 'f', type: 'float64' },
      { name: 'd', type: 'decimal', precision: 38, scale: 10 },
      { name: 'day', type: 'date' },
      { name: 'ts', type: 'timestamptz' },
      { name: 'bin', type: 'binary' },
    ];
    const row = [
      true,
      -9223372036854775808n,
      0.1,
      '1234567890123456789012345678.0123456789',
      -1,
      1711966500123456n,
      new Uint8Array([0, 255, 16]),
    ];
    const csv = await encode(columns, [[row]], { header: false });
    expect(csv).toBe(
      'true,-9223372036854775808,0.1,1234567890123456789012345678.0123456789,1969-12-31,2024-04-01T10:15:00.123456Z,\\x00ff10\r\n',
    );
  });

  it('writes only the header for an empty result, and nothing without one', async () => {
    expect(await encode(text, [])).toBe('id,label\r\n');
    expect(await encode(text, [], { header: false })).toBe('');
  });

  it('leaves delimiter rules to planning, which names the field (one character, no quote or line break)', () => {
    for (const delimiter of ['"', '\n', ',,']) {
      const errors: FieldError[] = [];
      checkOptions({ format: 'csv', query: { kind: 'table' }, options: { delimiter } }, errors);
      expect(errors.map((e) => e.field)).toEqual(['options.delimiter']);
    }
  });
});
