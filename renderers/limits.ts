import { SluiceError } from '../core/errors.ts';

/**
 * What one rendered document may hold. A table shows its first `maxTableRows` rows and says how many it
 * left out (the full data is a CSV/Parquet export away); anything else past a limit fails the export with
 * RENDER_LIMIT_EXCEEDED rather than writing a document that silently lacks part of the report.
 */
export interface RenderLimits {
  /** Rows a rendered table (PDF, PNG, PPTX) shows; 1,000 by default. */
  maxTableRows: number;
  /** Points one chart draws (categories × series after aggregation); 2,000 by default. */
  maxChartPoints: number;
  /** PDF pages one document may have; 500 by default. */
  maxPages: number;
  /** Wall-clock time one document may take to render, queries excluded; 120 s by default. */
  renderTimeoutMs: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = {
  maxTableRows: 1000,
  maxChartPoints: 2000,
  maxPages: 500,
  renderTimeoutMs: 120_000,
};

export function renderLimitExceeded(
  what: string,
  limit: number,
  details: Record<string, unknown> = {},
): SluiceError {
  return new SluiceError('RENDER_LIMIT_EXCEEDED', `${what} exceeds the limit of ${limit}`, {
    details: { limit, ...details },
  });
}

/**
 * A deadline checked between rendering steps (vega, pdfkit and resvg are synchronous once started, so
 * there is nothing to interrupt mid-step; each step is bounded by the row and point limits).
 */
export interface RenderDeadline {
  check(): void;
}

export function createDeadline(
  timeoutMs: number,
  signal?: AbortSignal,
  now = () => Date.now(),
): RenderDeadline {
  const end = now() + timeoutMs;
  return {
    check() {
      signal?.throwIfAborted();
      if (now() > end) {
        throw new SluiceError('RENDER_TIMEOUT', `rendering took longer than ${timeoutMs} ms`, {
          details: { timeoutMs },
        });
      }
    },
  };
}
