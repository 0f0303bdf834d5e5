/**
 * A fixed cluster id (base64url of "sluice-local-kaf"): `StorageTool format -g` is only idempotent when it is
 * given the id the data folder was formatted with, so it must not change between runs.
 */
export const KAFKA_CLUSTER_ID = 'c2x1aWNlLWxvY2FsLWthZg';

export interface KafkaServerConfig {
  host: string;
  port: number;
  controllerPort: number;
  dataDir: string;
}

/**
 * server.properties for one KRaft node that is both broker and controller. The replication settings are
 * what a single node requires; the partition counts and delays are what make it quick on a laptop.
 */
export function kafkaServerProperties(c: KafkaServerConfig): string {
  const props: Array<[string, string | number]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@${c.host}:${c.controllerPort}`],
    ['listeners', `PLAINTEXT://${c.host}:${c.port},CONTROLLER://${c.host}:${c.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://${c.host}:${c.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', c.dataDir],
    // One node: every internal topic has exactly one replica.
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    ['default.replication.factor', 1],
    ['min.insync.replicas', 1],
    // Internal topics default to 50 partitions; creating them is what makes the first consumer group (or
    // transaction) wait. 3 keeps the first FindCoordinator fast.
    ['offsets.topic.num.partitions', 3],
    ['transaction.state.log.num.partitions', 3],
    ['share.coordinator.state.topic.num.partitions', 3],
    // Without this a new group waits 3 s for more members before its first assignment.
    ['group.initial.rebalance.delay.ms', 0],
    // Tests produce to fresh topics; 3 partitions lets a second consumer in a group get work.
    ['auto.create.topics.enable', 'true'],
    ['num.partitions', 3],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
  ];
  return props.map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}
