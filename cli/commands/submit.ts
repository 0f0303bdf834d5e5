import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { SluiceError } from '../../core/errors.ts';
import { jobIdFor } from '../../jobs/job-id.ts';
import { publishExportRequest } from '../../producers/request-publisher.ts';
import type { ExportRequested } from '../../schemas/export-requested.ts';
import { Topics } from '../../schemas/topics.ts';
import { createEventReader } from '../../schema-registry/event-reader.ts';
import { readKafkaBrokers } from '../config.ts';
import type { Env } from '../env.ts';

export function registerSubmitCommand(program: Command, env: Env): void {
  program
    .command('submit')
    .description('Publish an ExportRequested to Kafka for the workers; with --wait, print its outcome event.')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--source <name>', 'a configured source name (SLUICE_SOURCE_<NAME>)')
    .option('--table <name>', 'table to export')
    .option('--sql <query>', 'raw SQL (only where the source allows it)')
    .option('--format <format>', 'csv | ndjson | json | parquet | arrow | sql', 'csv')
    .option('--compression <kind>', 'none | gzip | zstd (text formats)')
    .option('--request-id <id>', 'idempotency: the same id is the same job', randomUUID())
    .option('--requested-by <who>', 'who asks', env.USER || 'cli')
    .option('--wait', 'wait for the completion or failure event and print it')
    .action(async (opts) => {
      if (Boolean(opts.table) === Boolean(opts.sql))
        throw new SluiceError('USAGE', 'give exactly one of --table or --sql');
      const request: ExportRequested = {
        version: 1,
        requestId: opts.requestId,
        workspaceId: opts.workspace,
        requestedBy: opts.requestedBy,
        source: opts.source,
        query: opts.table ? { kind: 'table', table: opts.table } : { kind: 'sql', sql: opts.sql },
        format: opts.format,
        ...(opts.compression ? { options: { compression: opts.compression } } : {}),
      };
      const kafka = new Kafka({
        clientId: 'sluice-cli',
        brokers: readKafkaBrokers(env),
        logLevel: logLevel.NOTHING,
      });
      const jobId = jobIdFor(request.workspaceId, request.requestId);
      const consumer = opts.wait ? kafka.consumer({ groupId: `sluice-cli-${randomUUID()}` }) : undefined;
      let outcome: Promise<Record<string, unknown>> | undefined;
      // Outcome events are Avro when the workers have a schema registry, JSON otherwise.
      const readEvent = createEventReader(env.SCHEMA_REGISTRY_URL || undefined);
      if (consumer) {
        await consumer.connect();
        await consumer.subscribe({ topics: [Topics.completed, Topics.failed], fromBeginning: true });
        outcome = new Promise((resolve) => {
          void consumer.run({
            eachMessage: async ({ message }) => {
              if (!message.value || !message.value.includes(jobId)) return;
              const event = await readEvent(message.value);
              if (event.jobId === jobId) resolve(event);
            },
          });
        });
      }
      const producer = kafka.producer();
      await producer.connect();
      try {
        await publishExportRequest(producer, request);
        process.stderr.write(`submitted ${jobId} (request ${request.requestId})\n`);
        if (outcome) process.stdout.write(JSON.stringify(await outcome, null, 2) + '\n');
        else process.stdout.write(`${jobId}\n`);
      } finally {
        await producer.disconnect();
        await consumer?.disconnect();
      }
    });
}
