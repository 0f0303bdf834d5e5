import { RecordBatchFileReader, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowEncoder, arrowFileEncoder } from '../../encoders/arrow/arrow-transform.ts';
import type { Column } from '../../schemas/column.ts';

const columns: Column[] = [
  { name: 'id', type: 'int64' },
  { name: 'name', type: 'string' },
];

async function encode(
  spec: typeof arrowEncoder,
  rows: unknown[][],
  recordBatchRows: number,
): Promise<Buffer> {
  const t = spec.create(columns, { recordBatchRows });
  const out: Buffer[] = [];
  t.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((r) => t.on('end', r));
  t.end(rows);
  await ended;
  return Buffer.concat(out);
}

// The IPC file format is the stream format framed by `ARROW1` and a footer indexing every record batch.
describe('arrow-file encoder (Arrow IPC file format)', () => {
  for (const n of [0, 1, 7, 10]) {
    it(`${n} rows in batches of 3: a file reader finds every batch through the footer`, async () => {
      const rows = Array.from({ length: n }, (_, i) => [BigInt(i), i % 2 ? null : `r${i}`]);
      const file = await encode(arrowFileEncoder, rows, 3);
      expect(file.subarray(0, 8)).toEqual(Buffer.from('ARROW1\0\0', 'latin1'));
      expect(file.subarray(-6).toString('latin1')).toBe('ARROW1');
      const reader = RecordBatchFileReader.from(file);
      reader.open();
      expect(reader.numRecordBatches).toBe(Math.ceil(n / 3));
      const table = tableFromIPC(file);
      expect(table.numRows).toBe(n);
      expect(table.toArray().map((r) => [r.id, r.name])).toEqual(rows);
      // Between the magic and the footer lies the stream format, byte for byte.
      const stream = await encode(arrowEncoder, rows, 3);
      expect(file.subarray(8, 8 + stream.byteLength)).toEqual(stream);
    });
  }
});
