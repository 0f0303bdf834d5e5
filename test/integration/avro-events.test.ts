import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { AVRO_CONTRACTS, avroSchemaOf } from '../../schemas/avro-schemas.ts';
import { ExportCompletedSchema, ExportFailedSchema } from '../../schemas/export-outcome.ts';
import { DlqHeaders, Topics } from '../../schemas/topics.ts';
import { createRegistryClient } from '../../schema-registry/registry-client.ts';
import { valueSubjectOf } from '../../schema-registry/subjects.ts';
import { TABLES_ONLY_GRANT } from '../support/grants.ts';
import { TopicRecorder, testKafka } from '../support/kafka.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { startTestWorker } from '../support/worker.ts';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

type Json = Record<string, unknown>;

/**
 * The outcome topics are shared by every test file, each reading them from the beginning; a checkout whose
 * tests read outcomes as JSON only (a branch from before Avro) would choke on the Avro records this file
 * leaves. So they are deleted when it ends: everything up to the current end of those topics, which under
 * the integration lock (one test file at a time) is only records no later test waits for.
 */
async function forgetAvroOutcomes(): Promise<void> {
  const admin = testKafka('sluice-test-avro-cleanup').admin();
  await admin.connect();
  try {
    for (const topic of [Topics.completed, Topics.failed]) {
      const offsets = await admin.fetchTopicOffsets(topic);
      await admin.deleteTopicRecords({
        topic,
        partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

// With a schema registry, outcome events are Avro in the Confluent wire format, requests may be Avro or
// JSON on the same topic, and the registry refuses an incompatible schema before anything is produced.
describe('Avro events with the schema registry', () => {
  const schema = `av_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
  let registryUrl: string;
  let db: pg.Client;
  let worker: WorkerService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    const infra = inject('infra');
    registryUrl = infra.SCHEMA_REGISTRY_URL;
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(
      `CREATE TABLE ${schema}.items AS SELECT g AS id, 'item ' || g AS name FROM generate_series(1, 300) g`,
    );
    const kafka = testKafka();
    recorder = await TopicRecorder.start(kafka, [Topics.completed, Topics.failed, Topics.requestsDlq]);
    producer = kafka.producer();
    await producer.connect();
    worker = await startTestWorker([{ name: 'wh', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT }], {
      schemaRegistryUrl: registryUrl,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    await recorder?.stop();
    await forgetAvroOutcomes();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
  });

  const request = (overrides: Json = {}) => ({
    version: 1,
    requestId: randomUUID(),
    workspaceId,
    requestedBy: 'data-eng@example.com',
    source: 'wh',
    query: { kind: 'table', table: `${schema}.items`, orderBy: [{ column: 'id' }] },
    format: 'csv',
    ...overrides,
  });

  /**
   * What another team does: its own registry client, the latest ExportRequested registered under the
   * request topic's subject, every field present (null for none), the query as JSON text.
   */
  const produceAvroRequest = async (body: ReturnType<typeof request>) => {
    const theirs = new SchemaRegistry({ host: registryUrl });
    const id = await theirs.getLatestSchemaId(valueSubjectOf(Topics.requests));
    const value = await theirs.encode(id, {
      ...body,
      recipient: null,
      options: null,
      urlTtlSeconds: 600,
      query: JSON.stringify(body.query),
    });
    await producer.send({ topic: Topics.requests, messages: [{ key: workspaceId, value }] });
    return value;
  };

  const rawOutcome = async (topic: string, requestId: string) => {
    const [record] = await recorder.waitFor((r) => r.topic === topic && r.json().requestId === requestId);
    return record!.value!;
  };

  it('registers the contracts under <topic>-value with BACKWARD compatibility', async () => {
    for (const topic of [Topics.requests, Topics.completed, Topics.failed]) {
      const res = await fetch(`${registryUrl}/config/${valueSubjectOf(topic)}`);
      expect(await res.json()).toEqual({ compatibilityLevel: 'BACKWARD' });
    }
  });

  it('completes an Avro request and answers in Avro that a fresh decoder reads back', async () => {
    const body = request();
    await produceAvroRequest(body);
    const value = await rawOutcome(Topics.completed, body.requestId);

    // Confluent framing: magic byte 0, then the schema id of the completed subject's schema.
    expect(value[0]).toBe(0);
    const completedId = await new SchemaRegistry({ host: registryUrl }).getLatestSchemaId(
      valueSubjectOf(Topics.completed),
    );
    expect(value.readUInt32BE(1)).toBe(completedId);

    const event = (await new SchemaRegistry({ host: registryUrl }).decode(value)) as Json;
    expect(event).toMatchObject({
      requestId: body.requestId,
      workspaceId,
      format: 'csv',
      rows: 300,
      files: null,
    });

    // Independently of the library: the schema fetched by id over HTTP, avsc alone.
    const res = await fetch(`${registryUrl}/schemas/ids/${completedId}`);
    const { schema: text } = (await res.json()) as { schema: string };
    const independent = avro.Type.forSchema(JSON.parse(text) as avro.Schema).fromBuffer(
      value.subarray(5),
    ) as Json;
    expect({ ...independent }).toEqual({ ...event });
    expect(JSON.parse(text)).toEqual(avroSchemaOf(AVRO_CONTRACTS.ExportCompleted));

    // And it is the real object: same bytes and hash as the event says.
    const object = await testS3Client().send(
      new GetObjectCommand({ Bucket: s3Settings().bucket, Key: event.key as string }),
    );
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    expect(bytes.byteLength).toBe(event.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(event.sha256);
    expect(bytes.toString('utf8').split('\r\n')[1]).toBe('1,item 1'); // CSV rows end in CRLF (RFC 4180)
    // The recorder's reading (optional fields absent) satisfies the zod contract JSON consumers use.
    const [record] = await recorder.waitFor(
      (r) => r.topic === Topics.completed && r.json().requestId === body.requestId,
    );
    expect(ExportCompletedSchema.safeParse(record!.json()).success).toBe(true);
  });

  it('reads JSON requests on the same topic and answers failures in Avro', async () => {
    const body = request({ source: 'nowhere' });
    await producer.send({
      topic: Topics.requests,
      messages: [{ key: workspaceId, value: JSON.stringify(body) }],
    });
    const value = await rawOutcome(Topics.failed, body.requestId);
    expect(value[0]).toBe(0);
    const event = (await new SchemaRegistry({ host: registryUrl }).decode(value)) as Json;
    expect(event).toMatchObject({ requestId: body.requestId, code: 'SOURCE_UNKNOWN', retriable: false });
    expect(ExportFailedSchema.safeParse({ ...event }).success).toBe(true);
  });

  it('fails an Avro request that decodes but breaks the contract, like a JSON one', async () => {
    const body = request({ format: 'csv', query: { kind: 'table', table: '' } });
    await produceAvroRequest(body);
    const event = (await new SchemaRegistry({ host: registryUrl }).decode(
      await rawOutcome(Topics.failed, body.requestId),
    )) as Json;
    expect(event).toMatchObject({ code: 'REQUEST_INVALID', message: expect.stringMatching(/query\.table/) });
  });

  it('dead-letters an Avro request with an unknown schema id or bytes that do not decode', async () => {
    const good = await produceAvroRequest(request({ source: 'nowhere' }));
    const marker = randomUUID();
    const unknownId = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0x01]), Buffer.from(marker)]);
    // A real schema id, but the body cut short and ending in bytes no Avro string or long can end in.
    const truncated = Buffer.concat([good.subarray(0, 12), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])]);
    await producer.send({
      topic: Topics.requests,
      messages: [
        { key: workspaceId, value: unknownId },
        { key: workspaceId, value: truncated },
      ],
    });
    const [unknown] = await recorder.waitFor(
      (r) => r.topic === Topics.requestsDlq && (r.value?.equals(unknownId) ?? false),
    );
    expect(unknown!.headers[DlqHeaders.code]).toBe('REQUEST_MALFORMED');
    expect(unknown!.headers[DlqHeaders.reason]).toContain(
      `schema id ${unknownId.readUInt32BE(1)}, which the registry does not know`,
    );
    const [undecodable] = await recorder.waitFor(
      (r) => r.topic === Topics.requestsDlq && (r.value?.equals(truncated) ?? false),
    );
    expect(undecodable!.headers[DlqHeaders.reason]).toMatch(/cannot be read as ExportRequested/);
  });

  it('`sluice submit --wait` prints the Avro answer as the contract object', async () => {
    const infra = inject('infra');
    const requestId = randomUUID();
    const { stdout } = await run(
      process.execPath,
      [
        bin,
        'submit',
        '--workspace',
        workspaceId,
        '--source',
        'wh',
        '--table',
        `${schema}.items`,
        '--request-id',
        requestId,
        '--wait',
      ],
      { env: { ...process.env, KAFKA_BROKERS: infra.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: registryUrl } },
    );
    const event = JSON.parse(stdout) as Json;
    expect(event).toMatchObject({ requestId, workspaceId, rows: 300, format: 'csv' });
    expect(event).not.toHaveProperty('files'); // absent, as in a JSON event, not null
    expect(ExportCompletedSchema.safeParse(event).success).toBe(true);
  });

  it('`sluice schemas check` passes for the committed schemas and fails (exit 1) for an incompatible one', async () => {
    const env = { ...process.env, SCHEMA_REGISTRY_URL: registryUrl };
    const ok = await run(process.execPath, [bin, 'schemas', 'check'], { env });
    expect(ok.stdout).toMatch(
      /sluice\.export\.completed-value\tExportCompleted\tcompatible with version \d+/,
    );

    const dir = mkdtempSync(join(tmpdir(), 'sluice-avsc-'));
    try {
      const changed = avroSchemaOf(AVRO_CONTRACTS.ExportCompleted) as {
        fields: Array<{ name: string; type: unknown }>;
      };
      changed.fields.find((f) => f.name === 'rows')!.type = 'string';
      writeFileSync(join(dir, 'ExportCompleted.avsc'), JSON.stringify(changed));
      const refused = await run(process.execPath, [bin, 'schemas', 'check', '--dir', dir], { env }).then(
        () => undefined,
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(refused?.code).toBe(1);
      expect(refused?.stdout).toMatch(/sluice\.export\.completed-value\tExportCompleted\tINCOMPATIBLE/);
      expect(refused?.stderr).toMatch(/SCHEMA_INCOMPATIBLE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Evolution on a subject of its own, so the shared subjects keep their real versions.
describe('schema evolution in the registry', () => {
  type Field = { name: string; type: unknown; default?: unknown };
  const v1 = () => avroSchemaOf(AVRO_CONTRACTS.ExportCompleted) as { fields: Field[] } & Json;
  const event = {
    version: 1,
    jobId: 'j-1',
    requestId: 'r-1',
    workspaceId: 'ws',
    format: 'csv',
    bucket: 'b',
    key: 'k',
    url: 'http://x',
    urlExpiresAt: '2026-12-04T16:00:00.000Z',
    rows: 1,
    bytes: 2,
    sha256: 'a'.repeat(64),
    contentType: 'text/csv',
    columns: [{ name: 'id', type: 'int64' }],
    startedAt: '2026-12-04T15:00:00.000Z',
    finishedAt: '2026-12-04T15:00:01.000Z',
    files: null,
  };

  it('accepts a field added with a default, which a consumer holding the old schema still reads', async () => {
    const subject = `sluice-evolution-${randomUUID()}-value`;
    const registry = createRegistryClient(inject('infra').SCHEMA_REGISTRY_URL);
    const oldId = await registry.register(subject, v1());
    const v2 = v1();
    v2.fields.push({ name: 'region', type: 'string', default: 'eu-west-1' });
    expect(await registry.checkCompatibility(subject, v2)).toEqual({ kind: 'compatible', latestVersion: 1 });
    const newId = await registry.register(subject, v2);
    expect(newId).not.toBe(oldId);

    const written = await registry.encode(newId, { ...event, region: 'us-east-2' });
    // The old consumer: its own v1 schema as the reader, resolved against the writer's v2 from the registry.
    const reader = avro.Type.forSchema(v1() as avro.Schema);
    const writer = await registry.writerType(written.readUInt32BE(1));
    const read = reader.fromBuffer(written.subarray(5), reader.createResolver(writer)) as Json;
    expect({ ...read }).toEqual(event);
    // And a new consumer reads what the old producer wrote, the default filling the new field.
    const old = await registry.encode(oldId, event);
    const v2Reader = avro.Type.forSchema(v2 as avro.Schema);
    const upgraded = v2Reader.fromBuffer(
      old.subarray(5),
      v2Reader.createResolver(await registry.writerType(oldId)),
    ) as Json;
    expect(upgraded.region).toBe('eu-west-1');
  });

  const refused: Array<[string, (fields: Field[]) => void]> = [
    ['a type changed (rows: long → string)', (f) => void (f.find((x) => x.name === 'rows')!.type = 'string')],
    ['a field added without a default', (f) => void f.push({ name: 'region', type: 'string' })],
  ];
  for (const [name, change] of refused) {
    it(`refuses ${name} before anything is produced`, async () => {
      const subject = `sluice-evolution-${randomUUID()}-value`;
      const registry = createRegistryClient(inject('infra').SCHEMA_REGISTRY_URL);
      await registry.register(subject, v1());
      const next = v1();
      change(next.fields);
      expect(await registry.checkCompatibility(subject, next)).toMatchObject({ kind: 'incompatible' });
      await expect(registry.register(subject, next)).rejects.toMatchObject({ code: 'SCHEMA_INCOMPATIBLE' });
    });
  }

  it('under BACKWARD accepts a field removed (new readers ignore it); FULL refuses it for old readers', async () => {
    const url = inject('infra').SCHEMA_REGISTRY_URL;
    const without = () => {
      const s = v1();
      s.fields = s.fields.filter((f) => f.name !== 'contentType');
      return s;
    };
    const backward = createRegistryClient(url);
    const b = `sluice-evolution-${randomUUID()}-value`;
    await backward.register(b, v1());
    expect(await backward.checkCompatibility(b, without())).toMatchObject({ kind: 'compatible' });

    const full = createRegistryClient(url, { compatibility: 'FULL' });
    const f = `sluice-evolution-${randomUUID()}-value`;
    await full.register(f, v1());
    expect(await full.checkCompatibility(f, without())).toMatchObject({ kind: 'incompatible' });
    await expect(full.register(f, without())).rejects.toMatchObject({ code: 'SCHEMA_INCOMPATIBLE' });
  });
});
