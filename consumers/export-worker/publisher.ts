import type { ErrorCode } from '../../core/errors.ts';
import type { IHeaders, Producer } from 'kafkajs';
import { DlqHeaders, Topics } from '../../schemas/topics.ts';
import { jsonEventCodec, type EventCodec } from '../../schemas/event-codec.ts';
import type { ExportCompleted, ExportFailed } from '../../schemas/export-outcome.ts';

export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  topic: string;
  partition: number;
  offset: string;
  code: ErrorCode;
  reason: string;
}

/**
 * The worker's outbound side: outcome events keyed by workspace, and dead letters keeping the original bytes.
 * Its codec says how events meet the wire (JSON, or Avro with a schema registry), both ways.
 */
export class OutcomePublisher {
  constructor(
    private readonly producer: Producer,
    readonly codec: EventCodec = jsonEventCodec,
  ) {}

  async completed(event: ExportCompleted): Promise<void> {
    await this.producer.send({
      topic: Topics.completed,
      messages: [
        {
          key: event.workspaceId,
          value: await this.codec.encodeCompleted(event),
          headers: { 'sluice-job-id': event.jobId },
        },
      ],
    });
  }

  async failed(event: ExportFailed): Promise<void> {
    await this.producer.send({
      topic: Topics.failed,
      messages: [
        {
          key: event.workspaceId,
          value: await this.codec.encodeFailed(event),
          headers: { 'sluice-job-id': event.jobId },
        },
      ],
    });
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.producer.send({
      topic: Topics.requestsDlq,
      messages: [
        {
          key: letter.key,
          value: letter.value,
          headers: {
            ...letter.headers,
            [DlqHeaders.reason]: letter.reason,
            [DlqHeaders.code]: letter.code,
            [DlqHeaders.topic]: letter.topic,
            [DlqHeaders.partition]: String(letter.partition),
            [DlqHeaders.offset]: letter.offset,
            [DlqHeaders.at]: new Date().toISOString(),
          },
        },
      ],
    });
  }
}
