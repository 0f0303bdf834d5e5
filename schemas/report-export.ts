import { z } from 'zod';

/** Seed 000's report export body: `{ "format": "pdf", "pages": ["page_1"], "filters": { "region": "North" } }`. */
export const ReportExportBodySchema = z.strictObject({
  format: z.string().min(1).max(32),
  /** Page ids to export, in the report's order; all pages when absent. */
  pages: z.array(z.string().min(1).max(64)).min(1).max(200).optional(),
  /** Visual ids to export (of the chosen pages); all visuals when absent. */
  visuals: z.array(z.string().min(1).max(64)).min(1).max(200).optional(),
  /** dimension → value (or values): ANDed into every exported visual's query. */
  filters: z
    .record(
      z.string().min(1).max(64),
      z.union([z.string().max(500), z.array(z.string().max(500)).min(1).max(1000)]),
    )
    .optional(),
});

export type ReportExportBody = z.infer<typeof ReportExportBodySchema>;
