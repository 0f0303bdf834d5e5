/**
 * From the job alone, so a redelivered request overwrites its own object instead of adding another:
 * `exports/{workspaceId}/{jobId}/{jobId}.{ext}`.
 */
export function objectKeyFor(workspaceId: string, jobId: string, extension: string): string {
  return `exports/${workspaceId}/${jobId}/${jobId}.${extension}`;
}

/** A split export's files and manifest share the job's folder: `exports/{workspaceId}/{jobId}/{name}`. */
export function splitFileKeyFor(workspaceId: string, jobId: string, name: string): string {
  return `exports/${workspaceId}/${jobId}/${name}`;
}
