import { SluiceError } from '../core/errors.ts';
import type { Source } from './source.ts';

/**
 * A Source whose engine module is imported on first use. Drivers cost memory whether or not a source of
 * theirs is ever queried (DuckDB's native module ~36 MB of RSS, mysql2 ~18 MB), and every worker loads the
 * sources it is configured with at start; a PostgreSQL-only deployment should not carry the others.
 * Only for engines without optional capabilities (streamCsv, keySpan), which callers test synchronously.
 */
export function lazySource(dialect: string, load: () => Promise<Source>): Source {
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
    async close() {
      if (engine) await (await engine).close();
    },
  };
}
