import { kafkaService } from './kafka/service.ts';
import type { ServiceSpec } from './managed-service.ts';
import type { InfraPaths } from './paths.ts';
import { s3ProxyService } from './s3proxy/service.ts';
import { schemaRegistryService } from './schema-registry/service.ts';
import type { InfraConfig } from './settings.ts';

/** The servers `infra up` manages, in start order (they start in parallel; `down` stops them all). */
export function managedServices(config: InfraConfig, paths: InfraPaths): ServiceSpec[] {
  return [kafkaService(config, paths), s3ProxyService(config, paths), schemaRegistryService(config, paths)];
}
