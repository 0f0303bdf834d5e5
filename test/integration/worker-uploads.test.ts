import { randomUUID } from 'node:crypto';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { objectKeyFor } from '../../consumers/export-worker/object-key.ts';
import type { WorkerService } from '../../consumers/export-worker/service.ts';
import { jobIdFor, requestHash } from '../../jobs/job-id.ts';
import { OWNER_METADATA } from '../../sinks/s3/multipart-writer.ts';
import { sweepOrphanUploads } from '../../sinks/s3/orphan-uploads.ts';
import { TABLES_ONLY_GRANT } from '../support/grants.ts';
import { testKafka } from '../support/kafka.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';
import { startTestWorker } from '../support/worker.ts';

// Multipart uploads belong to a job: a takeover aborts what the dead attempt left, the sweep aborts what no
// live job owns, and no job overwrites an object another job record wrote.
describe('export worker: uploads and objects a job owns', () => {
  const schema = `wu_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
  const bucket = s3Settings().bucket;
  // A group and requests topic of the test's own: no other worker on the shared broker takes its requests.
  const run = randomUUID().slice(0, 8);
  const topic = `sluice.test.uploads.${run}`;
  let db: pg.Client;
  let s3: S3Client;
  let worker: WorkerService;
  let producer: Producer;

  beforeAll(async () => {
    const infra = inject('infra');
    db = new pg.Client({ connectionString: infra.DATABASE_URL });
    await db.connect();
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(
      `CREATE TABLE ${schema}.items AS SELECT g AS id, 'item ' || g AS name FROM generate_series(1, 500) g`,
    );
    s3 = testS3Client();
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
    worker = await startTestWorker([{ name: 'wh', url: infra.DATABASE_URL, grant: TABLES_ONLY_GRANT }], {
      groupId: `uploads-${run}`,
      requestTopic: topic,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await producer?.disconnect();
    const admin = testKafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
    s3?.destroy();
    await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db?.end();
  });

  const request = () => ({
    version: 1,
    requestId: randomUUID(),
    workspaceId,
    requestedBy: 'tester@example.com',
    source: 'wh',
    query: { kind: 'table', table: `${schema}.items` },
    format: 'csv',
  });
  const send = (body: object) =>
    producer.send({ topic, messages: [{ key: workspaceId, value: JSON.stringify(body) }] });
  // The job's own row (this worker's store), not any event with its id: workers of other deployments on the
  // shared broker may answer the same request from their own job store.
  const outcomeOf = async (jobId: string) => {
    for (;;) {
      const job = await worker.store.get(jobId);
      if (job && ['succeeded', 'failed'].includes(job.status)) return job;
      await sleep(100);
    }
  };
  const openUploads = async (prefix: string) =>
    (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }))).Uploads ?? [];
  /** An upload with one part, as a worker that died mid-export leaves it. */
  const openUpload = async (key: string) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'orphan part' }),
    );
    return UploadId!;
  };

  it("a takeover aborts the dead attempt's upload, then completes the job", async () => {
    const body = request();
    const jobId = jobIdFor(workspaceId, body.requestId);
    const key = objectKeyFor(workspaceId, jobId, 'csv');
    const uploadId = await openUpload(key);
    // The dead worker had recorded its upload on the job; its lease lapses in 1 s.
    await db.query(
      `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status, attempts,
                                lease_owner, lease_expires_at, started_at, open_uploads)
       VALUES ($1, $2, $3, $4, $5, 'csv', 'running', 1, 'dead-worker', now() + interval '1 second', now(),
               jsonb_build_object($6::text, jsonb_build_object('key', $7::text)))`,
      [jobId, workspaceId, body.requestId, requestHash(body), JSON.stringify(body), uploadId, key],
    );
    await send(body);
    expect(await outcomeOf(jobId)).toMatchObject({ status: 'succeeded', rows: 500 });
    expect(await openUploads(`exports/${workspaceId}/${jobId}/`)).toEqual([]);
    expect(await worker.store.get(jobId)).toMatchObject({ status: 'succeeded', openUploads: [] });
    // The object carries the job record's owner token.
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata?.[OWNER_METADATA]).toBe((await worker.store.get(jobId))!.objectOwner);
  });

  it('does not overwrite an object another job record wrote: OBJECT_EXISTS, the object kept', async () => {
    const body = request();
    const jobId = jobIdFor(workspaceId, body.requestId);
    const key = objectKeyFor(workspaceId, jobId, 'csv');
    // Another deployment (another job database) ran the same request and stored its object.
    const theirs = 'id,name\r\n1,theirs\r\n';
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: theirs, Metadata: { [OWNER_METADATA]: 'x' } }),
    );
    await send(body);
    expect(await outcomeOf(jobId)).toMatchObject({
      status: 'failed',
      error: { code: 'OBJECT_EXISTS', retriable: false },
    });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body!.transformToString()).toBe(theirs);
    expect(await openUploads(`exports/${workspaceId}/${jobId}/`)).toEqual([]);
  });

  it('the sweep aborts old uploads no live job owns, and leaves the ones a live job owns', async () => {
    const prefix = `exports/${workspaceId}/sweep-${randomUUID().slice(0, 8)}/`;
    const orphan = await openUpload(`${prefix}orphan.csv`);
    const owned = await openUpload(`${prefix}owned.csv`);
    const body = request();
    // A queued job (never admitted, so no worker runs it) that owns the second upload.
    await db.query(
      `INSERT INTO sluice_jobs (job_id, workspace_id, request_id, request_hash, request, format, status, open_uploads)
       VALUES ($1, $2, $3, $4, $5, 'csv', 'queued', jsonb_build_object($6::text, jsonb_build_object('key', $7::text)))`,
      [
        jobIdFor(workspaceId, body.requestId),
        workspaceId,
        body.requestId,
        requestHash(body),
        JSON.stringify(body),
        owned,
        `${prefix}owned.csv`,
      ],
    );
    const live = await worker.store.liveUploadIds();
    const sweep = (olderThanMs: number) =>
      sweepOrphanUploads({ client: s3, bucket, prefix, olderThanMs, isLive: (id) => live.has(id) });
    // Too young: nothing goes.
    expect(await sweep(3_600_000)).toEqual([]);
    expect(await sweep(0)).toEqual([{ key: `${prefix}orphan.csv`, uploadId: orphan }]);
    expect((await openUploads(prefix)).map((u) => u.UploadId)).toEqual([owned]);
    await sweepOrphanUploads({ client: s3, bucket, prefix, olderThanMs: 0, isLive: () => false });
    expect(await openUploads(prefix)).toEqual([]);
  });
});
