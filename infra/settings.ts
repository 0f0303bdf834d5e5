import { SluiceError } from '../core/errors.ts';

/**
 * What `infra up` hands to clients: the names are the environment variables the CLI and the tests read,
 * so `sluice infra up > .env` gives a shell everything it needs.
 */
export interface InfraSettings {
  KAFKA_BROKERS: string;
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_BUCKET: string;
  S3_FORCE_PATH_STYLE: string;
  /** Confluent-compatible API of the schema registry; with it set, outcome events are Avro. */
  SCHEMA_REGISTRY_URL: string;
  DATABASE_URL: string;
  MYSQL_URL: string;
}

export interface InfraOptions {
  /** Repository root; state goes to `<root>/.infra/`. */
  root: string;
  /** Progress lines (no trailing newline). Default: silent. */
  log?: (line: string) => void;
  ports?: {
    kafka?: number;
    kafkaController?: number;
    s3?: number;
    schemaRegistry?: number;
    schemaRegistryManagement?: number;
  };
  /** A Java 21+ home for the schema registry; found on PATH or under /usr/lib/jvm when absent. */
  registryJavaHome?: string;
  s3?: { accessKeyId?: string; secretAccessKey?: string; bucket?: string; region?: string };
  /** PostgreSQL and MariaDB are not started by sluice, only checked. */
  databaseUrl?: string;
  mysqlUrl?: string;
  /** How long a freshly started server may take to answer; a first start is ~5-10 s. */
  readyTimeoutMs?: number;
}

/** Options with every default filled in; later code trusts it. */
export interface InfraConfig {
  root: string;
  log: (line: string) => void;
  host: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  s3Port: number;
  schemaRegistryPort: number;
  /** Apicurio's health and metrics interface; Quarkus would put it on 9000 otherwise. */
  schemaRegistryManagementPort: number;
  registryJavaHome: string | undefined;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  s3Bucket: string;
  s3Region: string;
  databaseUrl: string;
  mysqlUrl: string;
  readyTimeoutMs: number;
}

export const DEFAULT_PORTS = {
  kafka: 9092,
  kafkaController: 9093,
  s3: 9000,
  schemaRegistry: 8081,
  schemaRegistryManagement: 8091,
} as const;

export function resolveInfraConfig(opts: InfraOptions): InfraConfig {
  const config: InfraConfig = {
    root: opts.root,
    log: opts.log ?? (() => {}),
    // Loopback only: these servers have throwaway credentials (or none) and must never face a network.
    host: '127.0.0.1',
    kafkaPort: opts.ports?.kafka ?? DEFAULT_PORTS.kafka,
    kafkaControllerPort: opts.ports?.kafkaController ?? DEFAULT_PORTS.kafkaController,
    s3Port: opts.ports?.s3 ?? DEFAULT_PORTS.s3,
    schemaRegistryPort: opts.ports?.schemaRegistry ?? DEFAULT_PORTS.schemaRegistry,
    schemaRegistryManagementPort:
      opts.ports?.schemaRegistryManagement ?? DEFAULT_PORTS.schemaRegistryManagement,
    registryJavaHome: opts.registryJavaHome,
    s3AccessKeyId: opts.s3?.accessKeyId ?? 'sluice-local',
    s3SecretAccessKey: opts.s3?.secretAccessKey ?? 'sluice-local-secret',
    s3Bucket: opts.s3?.bucket ?? 'sluice-exports',
    s3Region: opts.s3?.region ?? 'us-east-1',
    databaseUrl: opts.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test',
    mysqlUrl: opts.mysqlUrl ?? 'mysql://root@127.0.0.1:3306/test',
    readyTimeoutMs: opts.readyTimeoutMs ?? 90_000,
  };
  for (const [name, port] of [
    ['kafka', config.kafkaPort],
    ['kafkaController', config.kafkaControllerPort],
    ['s3', config.s3Port],
    ['schemaRegistry', config.schemaRegistryPort],
    ['schemaRegistryManagement', config.schemaRegistryManagementPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new SluiceError(
        'CONFIG_INVALID',
        `infra: ports.${name} must be an integer in 1..65535, got ${port}`,
      );
    }
  }
  const ports = [
    config.kafkaPort,
    config.kafkaControllerPort,
    config.s3Port,
    config.schemaRegistryPort,
    config.schemaRegistryManagementPort,
  ];
  if (new Set(ports).size !== ports.length) {
    throw new SluiceError(
      'CONFIG_INVALID',
      `infra: every server needs its own port, got ${ports.join(', ')} (kafka, kafka controller, s3, ` +
        'schema registry, schema registry management)',
    );
  }
  return config;
}

export function settingsOf(config: InfraConfig): InfraSettings {
  return {
    KAFKA_BROKERS: `${config.host}:${config.kafkaPort}`,
    S3_ENDPOINT: `http://${config.host}:${config.s3Port}`,
    S3_REGION: config.s3Region,
    S3_ACCESS_KEY_ID: config.s3AccessKeyId,
    S3_SECRET_ACCESS_KEY: config.s3SecretAccessKey,
    S3_BUCKET: config.s3Bucket,
    S3_FORCE_PATH_STYLE: 'true',
    SCHEMA_REGISTRY_URL: `http://${config.host}:${config.schemaRegistryPort}/apis/ccompat/v7`,
    DATABASE_URL: config.databaseUrl,
    MYSQL_URL: config.mysqlUrl,
  };
}

/** `KEY=value` lines, in a stable order, ready for a `.env` file or `export $(…)`. */
export function formatSettings(settings: InfraSettings): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}
