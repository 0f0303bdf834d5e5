import type { Source } from '../../dialects/source.ts';
import type { ExportPlan } from '../../planning/export-plan.ts';

/** Long enough for a catalog lookup, short enough that a slow engine never holds a job's progress back. */
export const ESTIMATE_TIMEOUT_MS = 2_000;

/**
 * The rows a planned export will write, when the source can say so cheaply: every unit a whole-table select
 * (a limit caps it; filters, row policies or key slices make it unknowable without running the query).
 * Undefined when any unit is unknown, the estimate fails or it takes longer than `timeoutMs`: the Jobs page
 * and `sluice jobs watch` then show no ETA, and the export itself is never affected.
 */
export async function estimatePlanRows(
  plan: Pick<ExportPlan, 'layout' | 'units'>,
  source: Source,
  timeoutMs = ESTIMATE_TIMEOUT_MS,
): Promise<number | undefined> {
  const estimateRows = source.estimateRows?.bind(source);
  if (!estimateRows || plan.layout === 'document' || plan.units.length === 0) return undefined;
  const queries = [];
  for (const unit of plan.units) {
    if (unit.query.kind !== 'table') return undefined;
    const q = unit.query.query;
    if ((q.filters?.length ?? 0) > 0 || q.rowFilter || q.keyRange) return undefined;
    queries.push(q);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, undefined);
  });
  try {
    const estimates = await Promise.race([Promise.all(queries.map((q) => estimateRows(q))), timeout]);
    if (!estimates || estimates.some((n) => n === undefined)) return undefined;
    return estimates.reduce<number>((sum, n) => sum + n!, 0);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
