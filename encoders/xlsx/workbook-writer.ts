import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';
import yazl from 'yazl';
import type { Column } from '../../schemas/column.ts';
import { cellXml, columnLetter, createCellWriter, isNumberCell, XLSX_MAX_ROWS } from './cell-xml.ts';
import { createStyleRegistry } from './styles.ts';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface WorkbookOptions {
  /** Rows per sheet, header and totals included (Excel's 1,048,576 unless a test wants less). */
  maxRowsPerSheet?: number;
}

export interface SheetOptions {
  /** A last row `Total` with `=SUM(…)` over every numeric column, cached values included. */
  totals?: boolean;
}

export interface SheetWriter {
  /** Resolves once the rows are handed on, waiting while the reader of the workbook is behind. */
  write(rows: unknown[][]): Promise<void>;
  end(): Promise<void>;
}

export interface WorkbookWriter {
  /** The .xlsx bytes, produced as sheets are written. */
  readonly output: Readable;
  addSheet(name: string, columns: Column[], options?: SheetOptions): SheetWriter;
  finish(): Promise<void>;
}

const NUMERIC = new Set(['int32', 'int64', 'float64', 'decimal']);

/**
 * An .xlsx written in constant memory: each worksheet's XML is generated row by row into a deflated zip
 * entry (yazl, one entry streaming at a time), text is inline (no shared-strings table that grows with the
 * data), and the parts that list the sheets — workbook, relationships, content types, styles — are written
 * last, once every sheet is known. exceljs's WorkbookWriter was measured growing (shared/BASELINES.md); this
 * one holds a batch of XML at a time.
 */
export function createWorkbookWriter({
  maxRowsPerSheet = XLSX_MAX_ROWS,
}: WorkbookOptions = {}): WorkbookWriter {
  const zip = new yazl.ZipFile();
  const styles = createStyleRegistry();
  const sheets: { name: string; file: string }[] = [];
  const usedNames = new Set<string>();
  let open: Promise<void> = Promise.resolve();

  const uniqueName = (wanted: string): string => {
    const base = sanitizeSheetName(wanted);
    let name = base;
    for (let n = 2; usedNames.has(name.toLowerCase()); n++) {
      const suffix = ` (${n})`;
      name = `${base.slice(0, 31 - suffix.length)}${suffix}`;
    }
    usedNames.add(name.toLowerCase());
    return name;
  };

  const startPart = (name: string): PassThrough => {
    const stream = new PassThrough();
    const file = `xl/worksheets/sheet${sheets.length + 1}.xml`;
    sheets.push({ name, file });
    zip.addReadStream(stream, file, { compress: true, mtime: FIXED_MTIME });
    return stream;
  };

  return {
    // yazl types its output as a web ReadableStream; it is a Node Readable.
    output: zip.outputStream as unknown as Readable,
    addSheet(title, columns, { totals = false } = {}) {
      const writers = columns.map((c) => createCellWriter(c, styles.index));
      const letters = columns.map((_, i) => columnLetter(i));
      const numeric = columns.map((c) => NUMERIC.has(c.type));
      const sums = columns.map(() => 0);
      const bigSums = columns.map(() => 0n);
      // Rows of data a sheet takes: the header takes one, the totals row (on the last sheet) one more.
      const dataPerSheet = maxRowsPerSheet - 1 - (totals ? 1 : 0);
      const parts: { name: string; rows: number }[] = [];
      let stream!: PassThrough;
      let rowInSheet = 0;

      const newPart = () => {
        const name = uniqueName(parts.length === 0 ? title : `${title} (${parts.length + 1})`);
        parts.push({ name, rows: 0 });
        stream = startPart(name);
        rowInSheet = 1;
        const header = columns
          .map((c, i) =>
            cellXml(
              `${letters[i]}1`,
              styles.index('header'),
              'inlineStr',
              `<is><t>${escapeName(c.name)}</t></is>`,
            ),
          )
          .join('');
        stream.write(sheetHead(columns) + `<row r="1">${header}</row>`);
      };
      const bytes = createByteSink(() => stream);
      const closePart = async (tail = '') => {
        await bytes.flush();
        stream.end(`${tail}</sheetData>${SHEET_TAIL}`);
        await once(stream, 'end').catch(() => {});
      };

      const ready = open.then(() => newPart());
      let chain: Promise<void> = ready;
      const result: SheetWriter = {
        write(rows) {
          chain = chain.then(async () => {
            for (const row of rows) {
              if (rowInSheet - 1 >= dataPerSheet) {
                await bytes.flush();
                await closePart();
                newPart();
              }
              rowInSheet += 1;
              parts[parts.length - 1]!.rows += 1;
              const r = String(rowInSheet);
              // One row, one copy into the chunk: a Buffer write per cell costs more than the concatenation.
              let xml = `<row r="${r}">`;
              for (let i = 0; i < writers.length; i++) {
                const value = row[i];
                const c = writers[i]!(value, letters[i]! + r);
                xml += c;
                if (totals && numeric[i] && isNumberCell(c)) {
                  if (typeof value === 'bigint') bigSums[i]! += value;
                  else sums[i]! += Number(value);
                }
              }
              bytes.put(xml + '</row>');
              if (bytes.full()) await bytes.flush();
            }
          });
          return chain;
        },
        end() {
          chain = chain.then(async () => {
            let tail = '';
            if (totals) {
              const r = rowInSheet + 1;
              let cells = cellXml(`A${r}`, styles.index('totalLabel'), 'inlineStr', '<is><t>Total</t></is>');
              columns.forEach((c, i) => {
                if (!numeric[i] || i === 0) return;
                const ranges = parts
                  .filter((p) => p.rows > 0)
                  .map(
                    (p) =>
                      `${parts.length > 1 ? `${quoteSheet(p.name)}!` : ''}${letters[i]}2:${letters[i]}${p.rows + 1}`,
                  );
                const cached = Number(bigSums[i]!) + sums[i]!;
                const key =
                  c.type === 'decimal'
                    ? `decimal${Math.min(c.scale ?? 0, 15)}`
                    : c.type === 'float64'
                      ? 'float'
                      : 'int';
                const formula = ranges.length > 0 ? `SUM(${ranges.join(',')})` : '0';
                cells += cellXml(
                  `${letters[i]}${r}`,
                  styles.index(`total:${key}`),
                  undefined,
                  `<f>${formula}</f><v>${cached}</v>`,
                );
              });
              tail = `<row r="${r}">${cells}</row>`;
            }
            await closePart(tail);
          });
          open = chain.catch(() => {});
          return chain;
        },
      };
      return result;
    },
    async finish() {
      await open;
      if (sheets.length === 0) {
        const s = startPart(uniqueName('Sheet1'));
        s.end(sheetHead([]) + `</sheetData>${SHEET_TAIL}`);
      }
      const add = (file: string, text: string) =>
        zip.addBuffer(Buffer.from(text, 'utf8'), file, { compress: true, mtime: FIXED_MTIME });
      add('xl/styles.xml', styles.xml());
      add('xl/workbook.xml', workbookXml(sheets.map((s) => s.name)));
      add('xl/_rels/workbook.xml.rels', workbookRels(sheets.length));
      add('_rels/.rels', ROOT_RELS);
      add('[Content_Types].xml', contentTypes(sheets.length));
      zip.end();
    },
  };
}

const CHUNK = 1 << 16;

/**
 * Cell XML goes straight into 64 KB buffers handed on as they fill: no row or chunk strings to concatenate,
 * flatten and then copy again into a Buffer. Measured on 1M rows: half the garbage per row, and chunks this
 * size die young (1 MB strings and buffers live in large-object space until a full GC, and peak RSS then
 * grew with the row count).
 */
function createByteSink(target: () => PassThrough) {
  let buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  return {
    put(text: string) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; a text longer than a chunk goes in its own write.
      if (pos + text.length * 3 > CHUNK) {
        if (pos > 0) {
          target().write(buf.subarray(0, pos));
          buf = Buffer.allocUnsafe(CHUNK);
          pos = 0;
        }
        if (text.length * 3 > CHUNK) {
          target().write(Buffer.from(text, 'utf8'));
          return;
        }
      }
      pos += buf.write(text, pos);
    },
    full: () => pos > CHUNK - 4096,
    async flush() {
      if (pos === 0) return;
      const out = target();
      const more = out.write(buf.subarray(0, pos));
      buf = Buffer.allocUnsafe(CHUNK);
      pos = 0;
      if (!more) await once(out, 'drain');
    },
  };
}

/** Fixed entry times: the same data gives the same bytes, so a retried export stores the same object. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

function escapeName(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ], not starting or ending with '. */
export function sanitizeSheetName(name: string): string {
  const cleaned = name
    .replace(/[:\\/?*[\]]/g, '_')
    .replace(/^'+|'+$/g, '')
    .trim()
    .slice(0, 31)
    .replace(/[\s']+$/, '');
  return cleaned === '' || cleaned.toLowerCase() === 'history' ? 'Sheet' : cleaned;
}

function quoteSheet(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}

function sheetHead(columns: Column[]): string {
  const cols = columns
    .map((c, i) => {
      const width = Math.min(60, Math.max(10, c.name.length + 2, WIDTH_BY_TYPE[c.type] ?? 14));
      return `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`;
    })
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
    // The header row stays in view while scrolling.
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    (cols ? `<cols>${cols}</cols>` : '') +
    '<sheetData>'
  );
}

const WIDTH_BY_TYPE: Record<string, number> = {
  timestamp: 20,
  timestamptz: 24,
  date: 12,
  uuid: 38,
  decimal: 16,
};

const SHEET_TAIL =
  '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>';

function workbookXml(names: string[]): string {
  const sheets = names
    .map(
      (n, i) =>
        `<sheet name="${escapeName(n).replace(/"/g, '&quot;')}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
    `<bookViews><workbookView/></bookViews><sheets>${sheets}</sheets>` +
    // Cached totals are right when written; fullCalcOnLoad makes Excel recompute them anyway.
    '<calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>'
  );
}

function workbookRels(count: number): string {
  let rels = '';
  for (let i = 1; i <= count; i++) {
    rels += `<Relationship Id="rId${i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i}.xml"/>`;
  }
  rels += `<Relationship Id="rId${count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`;
}

const ROOT_RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>';

function contentTypes(count: number): string {
  let overrides = '';
  for (let i = 1; i <= count; i++) {
    overrides += `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`;
  }
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    overrides +
    '</Types>'
  );
}
