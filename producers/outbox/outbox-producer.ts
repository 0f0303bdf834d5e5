import type { Kafka, Producer } from 'kafkajs';

/**
 * The producer a relay should be given. Idempotent (acks all, one request in flight) so the broker drops
 * the duplicates its own retries would make and keeps each partition in the order we sent. kafkajs retries
 * an idempotent producer's send forever by default; the relay needs the send to fail while the broker is
 * down so it can record the attempt and back off, hence a bounded count here.
 */
export function createOutboxProducer(kafka: Kafka, { retries = 5 }: { retries?: number } = {}): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries } });
}
