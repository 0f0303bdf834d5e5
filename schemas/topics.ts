/** Kafka topics of the public contract. Requests are keyed by workspace id, so one workspace's requests stay in order. */
export const Topics = {
  requests: 'sluice.export.requests',
  completed: 'sluice.export.completed',
  failed: 'sluice.export.failed',
  requestsDlq: 'sluice.export.requests.dlq',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Headers on a dead-letter record; its key and value are the original record's, byte for byte. */
export const DlqHeaders = {
  reason: 'sluice-dlq-reason',
  code: 'sluice-dlq-code',
  topic: 'sluice-dlq-source-topic',
  partition: 'sluice-dlq-source-partition',
  offset: 'sluice-dlq-source-offset',
  at: 'sluice-dlq-at',
} as const;
