import { redactText } from './redact.ts';

/**
 * Structured log lines (JSON, one per line) named `namespace.action`, e.g. `export.completed`, so a log
 * pipeline can select on the event rather than parse prose.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  {
    level = 'info',
    write = (line: string) => process.stderr.write(line),
  }: { level?: LogLevel; write?: (line: string) => void } = {},
  base: Record<string, unknown> = {},
): Logger {
  const emit = (lvl: LogLevel, event: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(
      JSON.stringify({ t: new Date().toISOString(), level: lvl, event, ...base, ...fields }, replacer) + '\n',
    );
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    child: (fields) => createLogger({ level, write }, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error)
    return {
      name: value.name,
      message: redactText(value.message),
      code: (value as { code?: unknown }).code,
    };
  return value;
}
