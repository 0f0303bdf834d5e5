/**
 * From the job alone, so a redelivered request overwrites its own object instead of adding another:
 * `exports/{workspaceId}/{jobId}/{jobId}.{ext}`.
 */
export function objectKeyFor(workspaceId: string, jobId: string, extension: string): string {
  return `exports/${workspaceId}/${jobId}/${jobId}.${extension}`;
}
