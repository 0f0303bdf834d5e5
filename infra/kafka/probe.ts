import { Kafka, logLevel } from 'kafkajs';

export interface KafkaProbeResult {
  clusterId: string;
  brokers: string[];
}

/**
 * Healthy means what clients need: a metadata request answers (describeCluster) and the group coordinator
 * is up (describeGroups finds it). The second check also creates `__consumer_offsets` on a fresh broker, so
 * the first test's consumer group does not hit COORDINATOR_NOT_AVAILABLE. No retries and short timeouts:
 * the caller polls.
 */
export async function probeKafka(brokers: string): Promise<KafkaProbeResult> {
  const kafka = new Kafka({
    clientId: 'sluice-infra-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.describeGroups(['sluice-infra-probe']);
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`) };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
