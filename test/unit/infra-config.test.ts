import { describe, expect, it } from 'vitest';
import { kafkaServerProperties } from '../../infra/kafka/server-properties.ts';
import { schemaRegistryProperties } from '../../infra/schema-registry/config.ts';
import { javaMajorOf } from '../../infra/schema-registry/java.ts';
import { formatSettings, resolveInfraConfig, settingsOf } from '../../infra/settings.ts';

describe('local infrastructure configuration', () => {
  it('writes a single-node KRaft broker/controller that only listens on loopback', () => {
    const props = kafkaServerProperties({
      host: '127.0.0.1',
      port: 19092,
      controllerPort: 19093,
      dataDir: '/d',
    });
    const map = new Map(
      props
        .trim()
        .split('\n')
        .map((l) => l.split('=', 2) as [string, string]),
    );
    expect(map.get('process.roles')).toBe('broker,controller');
    expect(map.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(map.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(map.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(map.get('offsets.topic.replication.factor')).toBe('1');
    expect(map.get('log.dirs')).toBe('/d');
  });

  it('prints settings as KEY=value lines that a shell can eval', () => {
    const lines = formatSettings(settingsOf(resolveInfraConfig({ root: '/r', ports: { s3: 19000 } }))).split(
      '\n',
    );
    expect(lines).toContain('S3_ENDPOINT=http://127.0.0.1:19000');
    expect(lines).toContain('KAFKA_BROKERS=127.0.0.1:9092');
    expect(lines).toContain('SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7');
    for (const line of lines) expect(line).toMatch(/^[A-Z0-9_]+=\S+$/);
  });

  it('rejects ports that cannot work', () => {
    expect(() => resolveInfraConfig({ root: '/r', ports: { kafka: 70_000 } })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() =>
      resolveInfraConfig({ root: '/r', ports: { kafka: 9100, kafkaController: 9100 } }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    // Quarkus's management interface would default to S3Proxy's port.
    expect(() =>
      resolveInfraConfig({ root: '/r', ports: { s3: 9000, schemaRegistryManagement: 9000 } }),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('keeps the schema registry and its management interface on loopback, its schemas in a file', () => {
    const props = schemaRegistryProperties({
      host: '127.0.0.1',
      port: 18081,
      managementPort: 18091,
      dataDir: '/d',
    });
    expect(props).toContain('quarkus.http.host=127.0.0.1\nquarkus.http.port=18081');
    expect(props).toContain('quarkus.management.host=127.0.0.1\nquarkus.management.port=18091');
    expect(props).toContain('apicurio.datasource.url=jdbc:h2:file:/d/registry');
  });

  it('reads the Java release of any `java -version` answer', () => {
    expect(javaMajorOf('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaMajorOf('openjdk version "25.0.3" 2026-04-21 LTS')).toBe(25);
    expect(javaMajorOf('java version "1.8.0_402"')).toBe(8);
    expect(javaMajorOf('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajorOf('command not found')).toBeUndefined();
  });
});
