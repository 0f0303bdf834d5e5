import type { AvroContractName } from '../schemas/avro-schemas.ts';
import { Topics } from '../schemas/topics.ts';

/** The Confluent default (TopicNameStrategy): a topic's values are registered under `<topic>-value`. */
export function valueSubjectOf(topic: string): string {
  return `${topic}-value`;
}

/** Which contract each topic carries, so the subjects and the .avsc files are named in one place. */
export const TOPIC_CONTRACTS: ReadonlyArray<{ topic: string; contract: AvroContractName }> = [
  { topic: Topics.requests, contract: 'ExportRequested' },
  { topic: Topics.completed, contract: 'ExportCompleted' },
  { topic: Topics.failed, contract: 'ExportFailed' },
];

/**
 * BACKWARD: a consumer on the new schema reads everything written with the previous one, which is what a
 * consumer upgrading first needs (the Confluent default). It refuses a type change and a new field without
 * a default; note that it accepts removing a field, which a consumer still holding the old schema can only
 * read if the old schema gave that field a default (FULL would refuse it too).
 */
export const SUBJECT_COMPATIBILITY = 'BACKWARD';
