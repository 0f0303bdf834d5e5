import { SluiceError } from '../core/errors.ts';
import type { Source } from './source.ts';

/**
 * A Source whose engine module is imported on first use. Drivers cost memory and start-up time whether or
 * not a source of theirs is ever queried (DuckDB's native module ~36 MB of RSS, mysql2 ~18 MB, PostgreSQL's
 * modules ~0.1 s to load), and every worker loads the sources it is configured with at start; a
 * PostgreSQL-only deployment should not carry the others, nor a one-shot SQLite export PostgreSQL's.
 *
 * Callers test the optional capabilities synchronously (`if (source.streamCsv)`), so an engine that has
 * them names them here; each then loads the engine and answers as the engine would — `streamCsv`
 * resolving undefined, `keySpan` a note, when the engine lacks one after all.
 */
export function lazySource(
  dialect: string,
  load: () => Promise<Source>,
  capabilities: { streamCsv?: boolean; keySpan?: boolean } = {},
): Source {
  let engine: Promise<Source> | undefined;
  const ready = () => (engine ??= load());
  return {
    dialect,
    compile: async (query) => (await ready()).compile(query),
    describe: async (query) => (await ready()).describe(query),
    async table(name) {
      const source = await ready();
      if (!source.table) throw new SluiceError('SOURCE_UNSUPPORTED', `${dialect} cannot describe tables`);
      return source.table(name);
    },
    stream: async (query, options) => (await ready()).stream(query, options),
    estimateRows: async (query) => (await ready()).estimateRows?.(query),
    ...(capabilities.streamCsv
      ? { streamCsv: async (query, options) => (await ready()).streamCsv?.(query, options) }
      : {}),
    ...(capabilities.keySpan
      ? {
          keySpan: async (query) =>
            (await ready()).keySpan?.(query) ?? { note: `${dialect} sources cannot be sliced` },
        }
      : {}),
    async close() {
      if (engine) await (await engine).close();
    },
  };
}
