import type { Allow } from '../security/row-policy.ts';

/** Recipients who see the same rows: one export serves them all. */
export interface View {
  /** Canonical form of the grants: equal keys, equal rows. */
  key: string;
  recipients: string[];
}

export interface ViewSplit {
  views: View[];
  /** Recipients with no grant at all: they get a notice, never rows. */
  withoutPolicy: string[];
}

/**
 * The canonical text of what a set of grants lets through: order, duplicates and `"all"` beside narrower
 * grants make no difference to the rows, so they make none to the key.
 */
export function viewKeyOf(grants: Allow[]): string {
  if (grants.some((g) => g === 'all')) return '"all"';
  const canonical = grants
    .map((g) =>
      JSON.stringify(
        Object.keys(g as Record<string, string[]>)
          .sort()
          .map((dim) => [dim, [...new Set((g as Record<string, string[]>)[dim])].sort()]),
      ),
    )
    .sort();
  return JSON.stringify([...new Set(canonical)]);
}

/** Groups recipients by the rows their policies let them see, in the order the schedule lists them. */
export function splitByView(recipients: { recipient: string; grants: Allow[] }[]): ViewSplit {
  const views = new Map<string, string[]>();
  const withoutPolicy: string[] = [];
  for (const { recipient, grants } of recipients) {
    if (grants.length === 0) {
      withoutPolicy.push(recipient);
      continue;
    }
    const key = viewKeyOf(grants);
    const group = views.get(key) ?? [];
    group.push(recipient);
    views.set(key, group);
  }
  return { views: [...views].map(([key, rs]) => ({ key, recipients: rs })), withoutPolicy };
}
