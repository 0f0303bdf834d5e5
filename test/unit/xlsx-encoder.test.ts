import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import * as XLSX from 'xlsx';
import type { Column } from '../../schemas/column.ts';
import type { RowBatch } from '../../dialects/source.ts';
import { xlsxEncoder } from '../../encoders/xlsx/xlsx-transform.ts';
import { createWorkbookWriter, sanitizeSheetName } from '../../encoders/xlsx/workbook-writer.ts';

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function encode(columns: Column[], batches: RowBatch[], options = {}): Promise<Buffer> {
  let out: Buffer = Buffer.alloc(0);
  await pipeline(
    Readable.from(batches, { objectMode: true }),
    xlsxEncoder.create(columns, options),
    async (src) => {
      out = await collect(src);
    },
  );
  return out;
}

/** SheetJS, not our writer, reads the bytes back: sheets, cell types, formats, formulas. */
function read(bytes: Buffer): XLSX.WorkBook {
  return XLSX.read(bytes, {
    type: 'buffer',
    cellFormula: true,
    cellNF: true,
    cellDates: false,
    cellStyles: true,
  });
}

const columns: Column[] = [
  { name: 'id', type: 'int64' },
  { name: 'label', type: 'string' },
  { name: 'amount', type: 'decimal', precision: 12, scale: 2 },
  { name: 'ratio', type: 'float64' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'timestamptz' },
  { name: 'ok', type: 'boolean' },
];

describe('xlsx encoder (table and sql exports)', () => {
  it('writes typed cells with formats from the column types, readable by SheetJS', async () => {
    const rows: RowBatch = [
      [1n, 'plain', '1234.50', 0.25, 19_814, 1_711_929_600_000_000n, true],
      [2n, '=1+1', '-3.10', -1.5, 0, 0n, false],
      [3n, '+cmd|calc', null, null, null, null, null],
      [4n, '@SUM(A1)', '0.00', 1e20, 19_814, 1_711_929_600_000_000n, true],
      [5n, '-minus', '1', 2, 1, 1n, false],
      [9_007_199_254_740_993n, 'Київ Αθήνα 東京 <&> ', '7', 3, 2, 2n, true],
    ];
    const wb = read(await encode(columns, [rows.slice(0, 2), rows.slice(2)]));
    expect(wb.SheetNames).toEqual(['data']);
    const ws = wb.Sheets.data!;
    expect(XLSX.utils.sheet_to_json(ws, { header: 1 })[0]).toEqual(columns.map((c) => c.name));
    expect(ws.A2).toMatchObject({ t: 'n', v: 1, z: '#,##0' });
    expect(ws.C2).toMatchObject({ t: 'n', v: 1234.5, z: '#,##0.00' });
    expect(ws.E2).toMatchObject({ t: 'n', v: 19_814 + 25_569, z: 'yyyy-mm-dd' });
    expect(XLSX.SSF.format(ws.E2!.z as string, ws.E2!.v as number)).toBe('2024-04-01');
    expect(XLSX.SSF.format(ws.F2!.z as string, ws.F2!.v as number)).toBe('2024-04-01 00:00:00 UTC');
    expect(ws.G2).toMatchObject({ t: 'b', v: true });
    // Formula-looking text is text, never a formula.
    for (const ref of ['B3', 'B4', 'B5', 'B6']) {
      expect(ws[ref]!.t).toBe('s');
      expect(ws[ref]!.f).toBeUndefined();
    }
    expect(ws.B3!.v).toBe('=1+1');
    expect(ws.B4!.v).toBe('+cmd|calc');
    expect(ws.C4).toBeUndefined();
    // An integer past 2^53 keeps its digits as text; text keeps its spaces and its non-Latin letters.
    expect(ws.A7).toMatchObject({ t: 's', v: '9007199254740993' });
    expect(ws.B7!.v).toBe('Київ Αθήνα 東京 <&> ');
    expect(ws['!rows'] ?? []).toBeDefined();
  });

  it('continues past the per-sheet row limit on the next sheet, each with its header', async () => {
    const small: Column[] = [
      { name: 'n', type: 'int32' },
      { name: 's', type: 'string' },
    ];
    const rows = Array.from({ length: 25 }, (_, i) => [i, `r${i}`]);
    const wb = read(await encode(small, [rows.slice(0, 7), rows.slice(7)], { maxRowsPerSheet: 10 }));
    expect(wb.SheetNames).toEqual(['data', 'data (2)', 'data (3)']);
    const all = wb.SheetNames.flatMap((name) => {
      const table = XLSX.utils.sheet_to_json<unknown[]>(wb.Sheets[name]!, { header: 1 });
      expect(table[0]).toEqual(['n', 's']);
      return table.slice(1);
    });
    expect(all).toEqual(rows);
  });

  it('writes a header-only workbook for an empty result', async () => {
    const wb = read(await encode(columns, []));
    expect(XLSX.utils.sheet_to_json(wb.Sheets.data!, { header: 1 })).toEqual([columns.map((c) => c.name)]);
  });

  it('keeps long multi-byte texts whole across the 64 KB chunks the sheet XML is written in', async () => {
    const long = 'é東'.repeat(16_000); // 32,000 characters, ~80 KB of UTF-8: longer than one chunk
    const batch: RowBatch = [];
    for (let i = 0; i < 300; i++) batch.push([i % 7 === 0 ? long : `row ${i} ${'ü'.repeat(i)}`]);
    const ws = read(await encode([{ name: 't', type: 'string' }], [batch])).Sheets.data!;
    expect(ws.A2!.v).toBe(long);
    expect(ws.A3!.v).toBe(`row 1 ü`);
    expect(ws.A100!.v).toBe(long);
    expect(ws.A301!.v).toBe(`row 299 ${'ü'.repeat(299)}`);
  });

  it('fails with VALUE_UNREPRESENTABLE for text longer than a cell holds', async () => {
    await expect(encode([{ name: 'big', type: 'string' }], [[['x'.repeat(40_000)]]])).rejects.toMatchObject({
      code: 'VALUE_UNREPRESENTABLE',
    });
  });
});

describe('workbook writer', () => {
  it('adds a totals row of =SUM() formulas with cached values, across continuation sheets', async () => {
    const wbw = createWorkbookWriter({ maxRowsPerSheet: 6 });
    const bytes = collect(wbw.output);
    const sheet = wbw.addSheet(
      'Sales: by/region?',
      [
        { name: 'region', type: 'string' },
        { name: 'units', type: 'int64' },
        { name: 'revenue', type: 'decimal', scale: 2 },
      ],
      { totals: true },
    );
    const rows = Array.from({ length: 9 }, (_, i) => [`r${i}`, BigInt(i + 1), (i * 1.5).toFixed(2)]);
    await sheet.write(rows);
    await sheet.end();
    const second = wbw.addSheet('Sales: by/region?', [{ name: 'x', type: 'float64' }]);
    await second.write([[0.5], [0.25]]);
    await second.end();
    await wbw.finish();
    const wb = read(await bytes);
    const n = 'Sales_ by_region_';
    expect(wb.SheetNames).toEqual([n, `${n} (2)`, `${n} (3)`, `${n} (4)`]);
    // 6 rows a sheet, header and totals row included: 4 + 4 + 1 data rows, the totals after the last.
    const last = wb.Sheets[`${n} (3)`]!;
    expect(last.A3).toMatchObject({ v: 'Total' });
    expect(last.B3!.f).toBe(`SUM('${n}'!B2:B5,'${n} (2)'!B2:B5,'${n} (3)'!B2:B2)`);
    expect(last.B3!.v).toBe(45);
    expect(last.C3!.f).toBe(`SUM('${n}'!C2:C5,'${n} (2)'!C2:C5,'${n} (3)'!C2:C2)`);
    expect(last.C3!.v).toBeCloseTo(54);
    const third = wb.Sheets[`${n} (4)`]!;
    expect(third.A4).toBeUndefined();
    expect(third.A2!.v).toBe(0.5);
  });

  it('names sheets as Excel allows', () => {
    expect(sanitizeSheetName('a'.repeat(40))).toHaveLength(31);
    expect(sanitizeSheetName("'quoted'")).toBe('quoted');
    expect(sanitizeSheetName('')).toBe('Sheet');
  });
});
