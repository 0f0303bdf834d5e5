import type { Catalog, ResolvedMeasure } from '../catalog/catalog.ts';

import { invalidFields } from '../schemas/parse-contract.ts';
import type { MetricRequest } from '../schemas/metric-request.ts';
import type { RowSecurity } from '../security/row-policy.ts';
import type { MetricPlan, PlanDimension, PlanFilter } from './plan.ts';
import { offsetSegments } from './time-zone-offsets.ts';

export interface PlanOptions {
  /** The recipient's row security; required, so no plan exists without it. */
  security: RowSecurity;
  /** Measures when the request names none (a route's own), or those a CSV column asks for. */
  measures?: string[];
  /** Replaces "entity + facets" as the group-by dimensions (the CSV generator's rowFilters). */
  groupBy?: string[];
  /** Equality slices ANDed to the request: report filters, a CSV column's `filter`. */
  filters?: Record<string, string | string[]>;
  /** Where in the caller's body the request sits, for error messages (`metricRequests.0`). */
  field?: string;
  limit?: number;
}

/**
 * A validated metric request → a plan. Every name the request carries (entityType, facets, measures,
 * filter dimensions) must be in the catalog, or the request fails with REQUEST_INVALID naming the field
 * and the unknown name; what reaches SQL text are the catalog's own names only.
 */
export function resolveMetricPlan(
  catalog: Catalog,
  request: MetricRequest,
  options: PlanOptions,
): MetricPlan {
  const at = (name: string) => (options.field ? `${options.field}.${name}` : name);
  const measureNames = options.measures ?? request.measures;
  if (!measureNames || measureNames.length === 0) {
    throw invalidFields([{ field: at('measures'), rule: 'name at least one measure' }]);
  }
  const measures: ResolvedMeasure[] = measureNames.map((name, i) => {
    const m = catalog.measure(name);
    if (!m) {
      throw invalidFields([
        {
          field: at(options.measures ? 'fetchValue' : `measures.${i}`),
          rule: `unknown measure ${JSON.stringify(name)}; known: ${catalog.measureNames().join(', ')}`,
        },
      ]);
    }
    return m;
  });
  const metricId = measures[0]!.metricId;
  const strangers = measures.filter((m) => m.metricId !== metricId);
  if (strangers.length > 0) {
    throw invalidFields([
      {
        field: at('measures'),
        rule: `${measures[0]!.name} (${metricId}) and ${strangers[0]!.name} (${strangers[0]!.metricId}) come from different metrics; ask for them in separate requests`,
      },
    ]);
  }
  const metric = measures[0]!.metric;
  const dimension = (name: string, field: string): PlanDimension => {
    if (!Object.hasOwn(metric.dimensions, name)) {
      throw invalidFields([
        {
          field,
          rule: `unknown dimension ${JSON.stringify(name)} for metric ${metricId}; known: ${Object.keys(metric.dimensions).join(', ')}`,
        },
      ]);
    }
    return { name, column: metric.dimensions[name]! };
  };

  const entityDimension = catalog.entityDimension(request.entityType);
  if (!entityDimension) {
    throw invalidFields([
      {
        field: at('entityType'),
        rule: `unknown entity type ${JSON.stringify(request.entityType)}; known: ${Object.keys(catalog.data.entityTypes).join(', ')}`,
      },
    ]);
  }
  const entity = dimension(entityDimension, at('entityType'));

  const groupNames = options.groupBy ?? [entity.name, ...(request.facets ?? [])];
  const groupBy: PlanDimension[] = [];
  groupNames.forEach((name, i) => {
    const d = dimension(
      name,
      options.groupBy ? `rowFilters.${i}` : i === 0 ? at('entityType') : at(`facets.${i - 1}`),
    );
    if (!groupBy.some((g) => g.name === d.name)) groupBy.push(d);
  });

  const filters: PlanFilter[] = [
    { dimension: entity.name, column: entity.column, values: [...new Set(request.entities)] },
  ];
  for (const [name, value] of Object.entries(options.filters ?? {})) {
    const d = dimension(name, `filters.${name}`);
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v !== 'string')) {
      throw invalidFields([{ field: `filters.${name}`, rule: 'a string or an array of strings' }]);
    }
    filters.push({ dimension: d.name, column: d.column, values });
  }

  const startMs = Date.parse(request.start);
  const endMs = Date.parse(request.end);
  const timeZone = request.timeZone ?? 'UTC';
  let offsets;
  try {
    offsets = offsetSegments(timeZone, startMs, endMs);
  } catch (err) {
    if (err instanceof Error && 'code' in err) {
      throw invalidFields([{ field: at('timeZone'), rule: `unknown time zone ${JSON.stringify(timeZone)}` }]);
    }
    throw err;
  }

  return {
    metricId,
    table: metric.table,
    timeColumn: metric.timeColumn,
    period: request.aggregationPeriod,
    timeZone,
    offsets,
    startMs,
    endMs,
    groupBy,
    measures: measures.map((m) => ({
      name: m.name,
      aggregate: m.aggregate,
      ...(m.column ? { column: m.column } : {}),
      scale: m.scale ?? 0,
    })),
    filters,
    dimensions: { ...metric.dimensions },
    security: options.security,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  };
}
