/**
 * Apicurio Registry's Quarkus settings, given as a file (`-Dquarkus.config.locations=<file>`) so the file's
 * path is in the command line and `infra down` can tell our process from another. Storage is in memory
 * (the default): schemas are registered again by the producers that own them after a restart.
 */
export function schemaRegistryProperties(opts: {
  host: string;
  port: number;
  managementPort: number;
}): string {
  return [
    `quarkus.http.host=${opts.host}`,
    `quarkus.http.port=${opts.port}`,
    // The management interface (health, metrics) defaults to 0.0.0.0:9000, which is S3Proxy's port.
    `quarkus.management.host=${opts.host}`,
    `quarkus.management.port=${opts.managementPort}`,
    '',
  ].join('\n');
}
