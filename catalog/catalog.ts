import { readFileSync } from 'node:fs';
import { SluiceError } from '../core/errors.ts';
import {
  CatalogSchema,
  type CatalogData,
  type MeasureDefinition,
  type MetricDefinition,
  type ReportDefinition,
  type VisualDefinition,
} from './catalog-schema.ts';

/** A measure with the metric (fact table) that holds it. */
export interface ResolvedMeasure extends MeasureDefinition {
  name: string;
  metricId: string;
  metric: MetricDefinition;
}

export interface Catalog {
  readonly data: CatalogData;
  /** Measure names are unique across metrics, so a name alone picks the fact table. */
  measure(name: string): ResolvedMeasure | undefined;
  measureNames(): string[];
  entityDimension(entityType: string): string | undefined;
  report(id: string): ReportDefinition | undefined;
}

/** The column name every plan gives its period; no dimension or measure may take it. */
export const PERIOD = 'period';

/**
 * Checks a catalog once, when it is loaded: names are unique across measures and dimensions (a result
 * row names each of its columns once), every entity type's dimension exists somewhere, every report's
 * visual names measures that exist. A broken catalog is CONFIG_INVALID at start, not a failed export later.
 */
export function createCatalog(raw: unknown): Catalog {
  const parsed = CatalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `catalog: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const data = parsed.data;
  const measures = new Map<string, ResolvedMeasure>();
  const dimensions = new Set<string>();
  for (const [metricId, metric] of Object.entries(data.metrics)) {
    for (const [name, measure] of Object.entries(metric.measures)) {
      if (measures.has(name)) fail(`measure ${name} is declared by two metrics`);
      if (measure.aggregate !== 'count' && !measure.column) fail(`measure ${name} needs a column`);
      measures.set(name, { ...measure, name, metricId, metric });
    }
    for (const name of Object.keys(metric.dimensions)) dimensions.add(name);
  }
  for (const name of [...dimensions, PERIOD]) {
    if (measures.has(name)) fail(`${name} is both a dimension and a measure`);
  }
  if (dimensions.has(PERIOD)) fail(`${PERIOD} is reserved for the time bucket`);
  for (const [type, entity] of Object.entries(data.entityTypes)) {
    if (!dimensions.has(entity.dimension)) fail(`entity type ${type} names no dimension of any metric`);
  }
  for (const report of data.reports) {
    for (const page of report.pages) {
      for (const visual of page.visuals) {
        for (const m of visual.query.measures ?? []) {
          if (!measures.has(m)) fail(`report ${report.id} visual ${visual.id}: unknown measure ${m}`);
        }
        if (!visual.query.measures) fail(`report ${report.id} visual ${visual.id}: name its measures`);
        const problem = encodingProblem(visual, data.entityTypes[visual.query.entityType]?.dimension);
        if (problem) fail(`report ${report.id} visual ${visual.id}: ${problem}`);
      }
    }
  }
  const reports = new Map(data.reports.map((r) => [r.id, r]));
  return {
    data,
    measure: (name) => measures.get(name),
    measureNames: () => [...measures.keys()].sort(),
    entityDimension: (type) =>
      Object.hasOwn(data.entityTypes, type) ? data.entityTypes[type]!.dimension : undefined,
    report: (id) => reports.get(id),
  };
}

export function loadCatalogFile(path: string | URL): Catalog {
  return createCatalog(JSON.parse(readFileSync(path, 'utf8')));
}

/** The demo catalog shipped in the repository: footfall and transactions, one report. */
export function loadDemoCatalog(): Catalog {
  return loadCatalogFile(new URL('./demo/catalog.json', import.meta.url));
}

/**
 * The encoding must name columns the visual's result has, and fit its kind: a chart needs a dimension to
 * draw along, a pie one measure to share out, a KPI one number (so no dimension).
 */
function encodingProblem(visual: VisualDefinition, entityDimension: string | undefined): string | undefined {
  const kind = visual.kind ?? 'table';
  const encoding = visual.encoding ?? {};
  const columns = new Set([
    PERIOD,
    ...(entityDimension ? [entityDimension] : []),
    ...(visual.query.facets ?? []),
  ]);
  const queried = visual.query.measures ?? [];
  for (const key of ['dimension', 'series'] as const) {
    const name = encoding[key];
    if (name !== undefined && !columns.has(name)) {
      return `encoding.${key} ${name} is not a column of the result (${[...columns].join(', ')})`;
    }
  }
  for (const m of encoding.measures ?? []) {
    if (!queried.includes(m)) return `encoding.measures: ${m} is not one of the query's measures`;
  }
  const measures = encoding.measures ?? queried;
  if (kind === 'table') return undefined;
  if (kind === 'kpi') {
    if (encoding.dimension || encoding.series) return 'a kpi has no dimension or series';
    return measures.length === 1 ? undefined : 'a kpi shows exactly one measure (encoding.measures)';
  }
  if (!encoding.dimension) return `a ${kind} chart needs encoding.dimension`;
  if (encoding.series && encoding.series === encoding.dimension)
    return 'encoding.series repeats the dimension';
  if (kind === 'pie' || kind === 'donut') {
    if (encoding.series) return `a ${kind} has no series`;
    if (measures.length !== 1) return `a ${kind} shows exactly one measure (encoding.measures)`;
  }
  if (encoding.series && measures.length !== 1) return 'a chart with a series shows one measure';
  if (encoding.dimensionAxis === 'y' && kind !== 'bar') return 'only a bar chart may put its dimension on y';
  return undefined;
}

function fail(message: string): never {
  throw new SluiceError('CONFIG_INVALID', `catalog: ${message}`);
}
