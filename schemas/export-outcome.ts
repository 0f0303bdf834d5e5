import { z } from 'zod';

/** ExportCompleted v1 on `sluice.export.completed`, keyed by workspaceId. */
export const ExportCompletedSchema = z.strictObject({
  version: z.literal(1),
  jobId: z.string(),
  requestId: z.string(),
  workspaceId: z.string(),
  format: z.string(),
  bucket: z.string(),
  key: z.string(),
  /** Presigned GET, valid until urlExpiresAt. */
  url: z.string(),
  urlExpiresAt: z.string(),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  /** Hex SHA-256 of the stored object's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string(),
  columns: z.array(z.strictObject({ name: z.string(), type: z.string() })),
  startedAt: z.string(),
  finishedAt: z.string(),
  /**
   * Split exports only (options.maxRowsPerFile, maxFileSizeMiB, parallel): the files, in manifest order.
   * Then `key`, `url`, `bytes`, `sha256` and `contentType` describe `manifest.json`, which lists the same
   * files with their totals and columns; `rows` is the total.
   */
  files: z
    .array(
      z.strictObject({
        key: z.string(),
        rows: z.number().int().min(0),
        bytes: z.number().int().min(0),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .optional(),
});

/** ExportFailed v1 on `sluice.export.failed`, keyed by workspaceId. */
export const ExportFailedSchema = z.strictObject({
  version: z.literal(1),
  jobId: z.string(),
  requestId: z.string(),
  workspaceId: z.string(),
  /** Stable, machine-readable (see core/errors.ts). */
  code: z.string(),
  message: z.string(),
  /** Whether sending the same request again may succeed. */
  retriable: z.boolean(),
  failedAt: z.string(),
});

export type ExportCompleted = z.infer<typeof ExportCompletedSchema>;
export type ExportFailed = z.infer<typeof ExportFailedSchema>;
