import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import { inject } from 'vitest';
import { createEventReader } from '../../schema-registry/event-reader.ts';
import { isConfluentAvro } from '../../schemas/event-codec.ts';

export function testKafka(clientId = 'sluice-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: inject('infra').KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
}

export interface ReceivedRecord {
  topic: string;
  key: string | null;
  /** The key as sent, for keys that are not UTF-8. */
  keyBytes: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  json<T = Record<string, unknown>>(): T;
}

/**
 * Reads the given topics from the beginning in a fresh group and keeps every record, so a test can wait for
 * the records that concern it (filtering by its own ids) however early they were written.
 */
export class TopicRecorder {
  readonly records: ReceivedRecord[] = [];
  #consumer: Consumer;
  #waiters = new Set<() => void>();

  private constructor(kafka: Kafka) {
    this.#consumer = kafka.consumer({ groupId: `test-recorder-${randomUUID()}` });
  }

  static async start(kafka: Kafka, topics: string[]): Promise<TopicRecorder> {
    const recorder = new TopicRecorder(kafka);
    const admin = kafka.admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin
        .createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: 3 })) })
        .catch(() => {});
    }
    await admin.disconnect();
    await recorder.#consumer.connect();
    await recorder.#consumer.subscribe({ topics, fromBeginning: true });
    // The shared topics may hold Avro events (written by the Avro tests' worker): read them as their
    // contract objects, so every test's json() works whichever way an event was written.
    const readEvent = createEventReader(inject('infra').SCHEMA_REGISTRY_URL);
    await recorder.#consumer.run({
      eachMessage: async ({ topic, message }) => {
        // An Avro value no registry can read (a dead letter naming an unknown schema id) reads as {},
        // so it matches no test's predicate instead of failing every test that reads the topic.
        const avro =
          message.value && isConfluentAvro(message.value)
            ? await readEvent(message.value).catch(() => ({}))
            : undefined;
        recorder.records.push({
          topic,
          key: message.key?.toString() ?? null,
          keyBytes: message.key ?? null,
          value: message.value,
          headers: decodeHeaders(message.headers),
          json() {
            return (avro ?? JSON.parse(message.value!.toString('utf8'))) as never;
          },
        });
        for (const wake of recorder.#waiters) wake();
      },
    });
    return recorder;
  }

  /** Resolves with the matching records once `count` of them arrived; rejects after `timeoutMs`. */
  async waitFor(
    predicate: (r: ReceivedRecord) => boolean,
    count = 1,
    timeoutMs = 60_000,
  ): Promise<ReceivedRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.filter(predicate);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${count} record(s); saw ${found.length}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 500));
        function done() {
          clearTimeout(timer);
          recorderWaiters.delete(done);
          resolve();
        }
        const recorderWaiters = this.#waiters;
        recorderWaiters.add(done);
      });
    }
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k] = v.toString();
  return out;
}

export async function produce(
  producer: Producer,
  topic: string,
  key: string,
  value: string | Buffer,
): Promise<void> {
  await producer.send({ topic, messages: [{ key, value }] });
}
