import { SluiceError } from '../../core/errors.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import { AllowSchema, type Allow } from '../../security/row-policy.ts';

/**
 * `--allow`: `all`, or a JSON object of dimension → list of values. Every dimension must be one the catalog
 * declares: a misspelt one would be stored and then grant nothing (a policy on a dimension the metric lacks
 * compiles to no rows), which looks like a working policy until someone misses their data.
 */
export function parseAllow(text: string, catalog: Catalog): Allow {
  let value: unknown = text;
  if (text !== 'all') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new SluiceError('USAGE', `--allow: all, or a JSON object of dimension → values; got ${text}`);
    }
  }
  if (value !== 'all') {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new SluiceError('USAGE', '--allow: all, or a JSON object of dimension → list of values');
    const known = catalogDimensions(catalog);
    for (const [key, values] of Object.entries(value)) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(key))
        throw new SluiceError('USAGE', `--allow: ${JSON.stringify(key)} is not a dimension name (a-z 0-9 _)`);
      if (!known.includes(key))
        throw new SluiceError(
          'USAGE',
          `--allow: the catalog has no dimension ${JSON.stringify(key)}; it has ${known.join(', ')}`,
        );
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))
        throw new SluiceError('USAGE', `--allow: ${key} must be a list of strings`);
    }
  }
  const parsed = AllowSchema.safeParse(value);
  if (!parsed.success) {
    throw new SluiceError(
      'USAGE',
      `--allow: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export function catalogDimensions(catalog: Catalog): string[] {
  const names = new Set<string>();
  for (const metric of Object.values(catalog.data.metrics)) {
    for (const name of Object.keys(metric.dimensions)) names.add(name);
  }
  return [...names].sort();
}
