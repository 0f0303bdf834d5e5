import { csvGeneratorAsSource } from '../../csv-generator/csv-generator-source.ts';
import type { Source } from '../../dialects/source.ts';
import { planAsSource } from '../../metrics/plan-source.ts';
import type { UnitRun } from '../../pipeline/run-units.ts';
import type { PlanUnit } from '../../planning/export-plan.ts';

/**
 * A planned unit as something the pipeline runs: tables and SQL on the source itself; a metric plan as a
 * Source over it (exact decimals, the report's timeout, the sql format's dialect); the CSV generator as a
 * Source of its joined rows. Below this, nothing knows what a metric or a report is.
 */
export function unitRun(unit: PlanUnit, source: Source): UnitRun {
  const common = {
    ...(unit.name !== undefined ? { name: unit.name } : {}),
    ...(unit.labels ? { labels: unit.labels } : {}),
    ...(unit.comment !== undefined ? { comment: unit.comment } : {}),
  };
  const { query } = unit;
  switch (query.kind) {
    case 'table':
    case 'sql':
      return { ...common, source, query: query.query };
    case 'metric':
      return {
        ...common,
        source: planAsSource(source, query.plan, {
          ...(unit.timeoutMs !== undefined ? { timeoutMs: unit.timeoutMs } : {}),
          ...(query.sqlDialect ? { sqlDialect: query.sqlDialect } : {}),
        }),
        query: { kind: 'sql', ...query.compiled },
      };
    case 'csv-generator':
      return {
        ...common,
        source: csvGeneratorAsSource(source, query.layout, query.plans),
        query: { kind: 'sql', sql: '', params: [] },
      };
  }
}
