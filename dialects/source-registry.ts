import { SluiceError } from '../core/errors.ts';
import { redactUrl } from '../core/redact.ts';
import { openSource } from './open-source.ts';
import type { Source } from './source.ts';

/** A named connection from configuration (`SLUICE_SOURCE_<NAME>=<url>`). */
export interface SourceConfig {
  name: string;
  url: string;
  statementTimeoutMs?: number;
}

export interface NamedSource {
  config: SourceConfig;
  source: Source;
}

/**
 * Opens each configured source once, on first use, and shares it (and its connection pool) between the
 * jobs that name it.
 */
export class SourceRegistry {
  readonly #configs: Map<string, SourceConfig>;
  readonly #open = new Map<string, Source>();

  constructor(
    configs: SourceConfig[],
    private readonly opener: (config: SourceConfig) => Source = (c) =>
      openSource(c.url, { statementTimeoutMs: c.statementTimeoutMs }),
  ) {
    this.#configs = new Map(configs.map((c) => [c.name, c]));
  }

  names(): string[] {
    return [...this.#configs.keys()].sort();
  }

  has(name: string): boolean {
    return this.#configs.has(name);
  }

  get(name: string): NamedSource {
    const config = this.#configs.get(name);
    if (!config) throw unknownSource(name);
    let source = this.#open.get(name);
    if (!source) {
      source = this.opener(config);
      this.#open.set(name, source);
    }
    return { config, source };
  }

  describe(name: string): string {
    const config = this.#configs.get(name);
    return config ? `${name} (${redactUrl(config.url)})` : name;
  }

  async closeAll(): Promise<void> {
    const sources = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(sources.map((s) => s.close()));
  }
}

/** Which sources exist is not told: a caller could otherwise list the sources other workspaces use. */
function unknownSource(name: string): SluiceError {
  return new SluiceError('SOURCE_UNKNOWN', `no source named ${JSON.stringify(name)} is configured`, {
    details: { source: name, field: 'source', rule: 'a configured source name' },
  });
}
