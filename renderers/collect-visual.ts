import type { Column } from '../schemas/column.ts';
import { renderLimitExceeded, type RenderLimits } from './limits.ts';
import type { CellValue, RenderedVisual, VisualEncoding, VisualKind } from './report-model.ts';

type Row = CellValue[];

export interface VisualDescription {
  id: string;
  title: string;
  kind: VisualKind;
  encoding: VisualEncoding;
  width: number;
  height: number;
}

export interface VisualCollector {
  add(rows: Row[]): void;
  finish(): RenderedVisual;
}

const NUMERIC = new Set(['int32', 'int64', 'float64', 'decimal']);

export function isNumericColumn(column: Column): boolean {
  return NUMERIC.has(column.type);
}

/** A measure as a JS number for drawing; exact values stay in the xlsx and the row formats. */
export function toNumber(value: CellValue): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const n = Number(value);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

/**
 * Rows of one visual's query in, the visual's renderable data out, holding no more than it draws: a table
 * keeps its first `maxTableRows` rows and counts the rest; a chart sums each measure per (dimension, series)
 * as rows arrive, so a million-row result costs as many entries as the chart has points. A chart with more
 * points than `maxChartPoints` fails (RENDER_LIMIT_EXCEEDED) instead of drawing an unreadable smear.
 */
export function createVisualCollector(
  visual: VisualDescription,
  columns: Column[],
  limits: Pick<RenderLimits, 'maxTableRows' | 'maxChartPoints'>,
): VisualCollector {
  let totalRows = 0;
  if (visual.kind === 'table') {
    const kept: Row[] = [];
    return {
      add(rows) {
        totalRows += rows.length;
        for (const row of rows) {
          if (kept.length >= limits.maxTableRows) break;
          kept.push(row);
        }
      },
      finish: () => ({ ...visual, columns, rows: kept, totalRows }),
    };
  }

  const index = (name: string | undefined): number => {
    if (name === undefined) return -1;
    const i = columns.findIndex((c) => c.name === name);
    if (i < 0) throw new Error(`visual ${visual.id}: encoding names ${name}, which the result has not`);
    return i;
  };
  const dim = index(visual.encoding.dimension);
  const series = index(visual.encoding.series);
  const measureNames = visual.encoding.measures ?? columns.filter(isNumericColumn).map((c) => c.name);
  const measures = measureNames.map(index);
  const points = new Map<string, { key: CellValue[]; sums: (number | null)[] }>();
  const keyColumns = [dim, series].filter((i) => i >= 0);

  return {
    add(rows) {
      totalRows += rows.length;
      for (const row of rows) {
        const key = keyColumns.map((i) => row[i] ?? null);
        const id = JSON.stringify(key.map((k) => (typeof k === 'bigint' ? k.toString() : k)));
        let point = points.get(id);
        if (!point) {
          if (points.size >= limits.maxChartPoints) {
            throw renderLimitExceeded(`visual ${visual.id}: chart points`, limits.maxChartPoints, {
              visualId: visual.id,
            });
          }
          point = { key, sums: measures.map(() => null) };
          points.set(id, point);
        }
        measures.forEach((m, j) => {
          const n = toNumber(row[m]);
          if (n !== null) point.sums[j] = (point.sums[j] ?? 0) + n;
        });
      }
    },
    finish() {
      const out = [...points.values()]
        .sort((a, b) => compareKeys(a.key, b.key))
        .map((p) => [...p.key.map(labelOf), ...p.sums]);
      const aggregated: Column[] = [
        ...keyColumns.map((i) => ({ name: columns[i]!.name, type: 'string' as const })),
        ...measures.map((m) => ({ name: columns[m]!.name, type: 'float64' as const })),
      ];
      return { ...visual, columns: aggregated, rows: out, totalRows };
    },
  };
}

function labelOf(value: CellValue): string {
  if (value === null || value === undefined) return '(none)';
  return typeof value === 'string' ? value : String(value);
}

function compareKeys(a: CellValue[], b: CellValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = labelOf(a[i]);
    const y = labelOf(b[i]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
