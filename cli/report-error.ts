import { inspect } from 'node:util';
import { CommanderError } from 'commander';
import { isSluiceError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';

/** Exit statuses: scripts tell a wrong command line from a failed run, and Ctrl-C from both. */
export const ExitCodes = { ok: 0, runtime: 1, usage: 2, sigint: 130, sigterm: 143 } as const;

/** Socket failures that reached the top without a module wrapping them (e.g. sluice's own DATABASE_URL). */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);

export interface FailureReport {
  code: string;
  exitCode: number;
  /** What goes to stderr: `sluice: CODE: message`, plus the redacted stack and properties when debugging. */
  text: string;
}

/**
 * The one place a failure becomes output. Every message (and, with SLUICE_DEBUG=1, every stack and error
 * property) passes through redactText, because driver errors quote connection URLs, passwords included.
 */
export function reportFailure(err: unknown, { debug }: { debug: boolean }): FailureReport {
  const { code, message, exitCode } = classify(err);
  let text = `sluice: ${code}: ${redactText(oneLine(message))}\n`;
  if (debug) text += redactText(inspect(err, { depth: 6 })) + '\n';
  else if (code === 'INTERNAL_ERROR') text += 'sluice: run with SLUICE_DEBUG=1 for the stack trace\n';
  return { code, exitCode, text };
}

function classify(err: unknown): { code: string; message: string; exitCode: number } {
  if (err instanceof CommanderError) {
    return { code: 'USAGE', message: err.message.replace(/^error: /, ''), exitCode: ExitCodes.usage };
  }
  if (isSluiceError(err)) {
    const signal = err.details.signal;
    const exitCode =
      err.code === 'USAGE'
        ? ExitCodes.usage
        : signal === 'SIGINT'
          ? ExitCodes.sigint
          : signal === 'SIGTERM'
            ? ExitCodes.sigterm
            : ExitCodes.runtime;
    return { code: err.code, message: err.message, exitCode };
  }
  const errno = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof errno === 'string' && UNAVAILABLE.has(errno)) {
    return { code: 'SOURCE_UNAVAILABLE', message, exitCode: ExitCodes.runtime };
  }
  return { code: 'INTERNAL_ERROR', message, exitCode: ExitCodes.runtime };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
