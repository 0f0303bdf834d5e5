import { SluiceError } from '../core/errors.ts';
import { dialectOf } from '../dialects/open-source.ts';
import type { SourceRegistry } from '../dialects/source-registry.ts';
import type { TableSchema } from '../dialects/source.ts';
import type { GrantedSourceConfig, SourceCatalog, SourceFacts } from './export-plan.ts';

export interface SourceCatalogOptions {
  /**
   * How long a table's description is reused (default 30 s). The API plans every POST; describing the
   * table each time would cost a source round trip per request. A table altered meanwhile is caught when
   * the worker plans again and runs.
   */
  ttlMs?: number;
  /** Descriptions kept at most (default 1,000), the oldest dropped first. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The configured sources as planning sees them: grants and engines from configuration, tables described
 * on the live source and cached briefly. Failures are not cached (a table created a moment later is seen).
 */
export function createSourceCatalog(
  registry: SourceRegistry,
  configs: GrantedSourceConfig[],
  { ttlMs = 30_000, maxEntries = 1_000, now = Date.now }: SourceCatalogOptions = {},
): SourceCatalog {
  const facts = new Map<string, SourceFacts>(
    configs.map((c) => [c.name, { name: c.name, dialect: dialectOf(c.url), grant: c.grant }]),
  );
  const cache = new Map<string, { at: number; table: Promise<TableSchema> }>();
  return {
    source: (name) => facts.get(name),
    async table(sourceName, table) {
      const key = `${sourceName}\u0000${table}`;
      const hit = cache.get(key);
      if (hit && now() - hit.at < ttlMs) return hit.table;
      const { source } = registry.get(sourceName);
      if (!source.table) {
        throw new SluiceError('SOURCE_UNSUPPORTED', `source ${sourceName} cannot describe its tables`);
      }
      const described = source.table(table);
      cache.delete(key);
      if (ttlMs > 0) {
        cache.set(key, { at: now(), table: described });
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
        described.catch(() => cache.delete(key));
      }
      return described;
    },
  };
}
