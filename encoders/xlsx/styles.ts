import type { CellStyleKey } from './cell-xml.ts';

/**
 * The workbook's cell formats, registered as cells first use them (styles.xml is written last, so a
 * decimal of scale 4 needs no entry until one appears). Index 0 is Excel's default.
 */
export interface StyleRegistry {
  index(key: CellStyleKey): number;
  xml(): string;
}

const NUM_FMT: Record<string, string> = {
  int: '#,##0',
  float: 'General',
  date: 'yyyy-mm-dd',
  timestamp: 'yyyy-mm-dd hh:mm:ss',
  timestamptz: 'yyyy-mm-dd hh:mm:ss "UTC"',
};

function numFmtFor(base: string): string {
  if (base.startsWith('decimal')) {
    const scale = Number(base.slice('decimal'.length));
    return scale > 0 ? `#,##0.${'0'.repeat(scale)}` : '#,##0';
  }
  return NUM_FMT[base] ?? 'General';
}

export function createStyleRegistry(): StyleRegistry {
  const keys: CellStyleKey[] = [];
  const byKey = new Map<string, number>();
  return {
    index(key) {
      let i = byKey.get(key);
      if (i === undefined) {
        keys.push(key);
        i = keys.length; // 0 is the default xf
        byKey.set(key, i);
      }
      return i;
    },
    xml() {
      const formats: string[] = [];
      const fmtIds = new Map<string, number>();
      const fmtId = (code: string): number => {
        if (code === 'General') return 0;
        let id = fmtIds.get(code);
        if (id === undefined) {
          id = 164 + formats.length;
          fmtIds.set(code, id);
          formats.push(
            `<numFmt numFmtId="${id}" formatCode="${code.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"/>`,
          );
        }
        return id;
      };
      const xfs = keys.map((key) => {
        if (key === 'header')
          return '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>';
        if (key === 'text')
          return '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>';
        if (key === 'formulaText')
          return '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>';
        if (key === 'totalLabel')
          return '<xf numFmtId="0" fontId="1" fillId="0" borderId="2" xfId="0" applyFont="1" applyBorder="1"/>';
        const total = key.startsWith('total:');
        const id = fmtId(numFmtFor(total ? key.slice(6) : key));
        return `<xf numFmtId="${id}" fontId="${total ? 1 : 0}" fillId="0" borderId="${total ? 2 : 0}" xfId="0" applyNumberFormat="1"${total ? ' applyFont="1" applyBorder="1"' : ''}/>`;
      });
      return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
        (formats.length ? `<numFmts count="${formats.length}">${formats.join('')}</numFmts>` : '') +
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
        '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' +
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDCE6F1"/><bgColor indexed="64"/></patternFill></fill></fills>' +
        '<borders count="3"><border><left/><right/><top/><bottom/><diagonal/></border>' +
        '<border><left/><right/><top/><bottom style="thin"><color rgb="FF1F4E79"/></bottom><diagonal/></border>' +
        '<border><left/><right/><top style="thin"><color auto="1"/></top><bottom style="double"><color auto="1"/></bottom><diagonal/></border></borders>' +
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
        `<cellXfs count="${xfs.length + 1}"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>${xfs.join('')}</cellXfs>` +
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
        '</styleSheet>'
      );
    },
  };
}
