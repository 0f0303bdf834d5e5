import type { Producer } from 'kafkajs';
import { SluiceError } from '../core/errors.ts';
import { ExportRequestedSchema, type ExportRequested } from '../schemas/export-requested.ts';
import { Topics } from '../schemas/topics.ts';

/**
 * Publishes an ExportRequested, validated first so a producer of ours never puts a record on the topic that
 * a worker would have to dead-letter. Keyed by workspace: one workspace's requests stay in order.
 */
export async function publishExportRequest(producer: Producer, request: ExportRequested): Promise<void> {
  const checked = ExportRequestedSchema.safeParse(request);
  if (!checked.success) {
    throw new SluiceError(
      'REQUEST_INVALID',
      checked.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; '),
    );
  }
  await producer.send({
    topic: Topics.requests,
    messages: [{ key: request.workspaceId, value: JSON.stringify(checked.data) }],
  });
}
