/**
 * Apicurio Registry's Quarkus settings, given as a file (`-Dquarkus.config.locations=<file>`) so the file's
 * path is in the command line and `infra down` can tell our process from another.
 *
 * Storage is its embedded H2 in a file under `.infra/data/`, not the default in-memory one: the broker keeps
 * its topics across restarts, and an Avro record there stays readable only while the registry knows the
 * schema id it names. In memory, a restarted registry would forget every id, then hand the same ids out
 * again for other schemas.
 */
export function schemaRegistryProperties(opts: {
  host: string;
  port: number;
  managementPort: number;
  dataDir: string;
}): string {
  return [
    `quarkus.http.host=${opts.host}`,
    `quarkus.http.port=${opts.port}`,
    // The management interface (health, metrics) defaults to 0.0.0.0:9000, which is S3Proxy's port.
    `quarkus.management.host=${opts.host}`,
    `quarkus.management.port=${opts.managementPort}`,
    'apicurio.storage.kind=sql',
    'apicurio.storage.sql.kind=h2',
    `apicurio.datasource.url=jdbc:h2:file:${opts.dataDir}/registry`,
    '',
  ].join('\n');
}
