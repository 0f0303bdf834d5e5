import type { MetricPlan } from './plan.ts';

/**
 * The recipient's grants as one parenthesised predicate: grants ORed, each grant's dimensions ANDed, each
 * dimension `IN (bound values)`. No grant — or only grants on dimensions this metric lacks — is `1 = 0`:
 * deny by default, as rows rather than an error, so a report renders empty rather than failing. The
 * caller ANDs it with the request's own filters, which can therefore only narrow.
 */
export function rowSecurityPredicate(
  plan: MetricPlan,
  q: (name: string) => string,
  bind: (value: unknown) => string,
): string {
  const alternatives: string[] = [];
  for (const grant of plan.security.grants) {
    if (grant === 'all') return '1 = 1';
    const entries = Object.entries(grant);
    // A grant that restricts a dimension this metric does not have cannot be enforced here: it grants nothing.
    if (
      entries.length === 0 ||
      entries.some(([dim, values]) => !Object.hasOwn(plan.dimensions, dim) || values.length === 0)
    ) {
      continue;
    }
    alternatives.push(
      `(${entries.map(([dim, values]) => `${q(plan.dimensions[dim]!)} IN (${values.map(bind).join(', ')})`).join(' AND ')})`,
    );
  }
  return alternatives.length === 0 ? '1 = 0' : `(${alternatives.join(' OR ')})`;
}
