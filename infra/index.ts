/**
 * Local infrastructure for development and the integration tests, started by sluice itself (no Docker):
 * a single-node KRaft Kafka broker and S3Proxy, both run from Maven Central jars cached under
 * `<root>/.infra/`, plus a check that the machine's PostgreSQL and MariaDB answer.
 */
export { ensureInfra, type InfraHandle } from './ensure-infra.ts';
export { stopInfra, type StopInfraOptions } from './stop-infra.ts';
export { infraStatus, formatStatus, type ServiceStatus } from './infra-status.ts';
export { formatSettings, DEFAULT_PORTS, type InfraOptions, type InfraSettings } from './settings.ts';
export { kafkaVersion } from './kafka/service.ts';
export { s3ProxyVersion } from './s3proxy/service.ts';
