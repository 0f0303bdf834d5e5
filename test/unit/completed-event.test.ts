import { describe, expect, it } from 'vitest';
import { completedEvent, failedEvent } from '../../consumers/export-worker/events.ts';
import type { Job, JobResult } from '../../jobs/job.ts';
import { ExportCompletedSchema, ExportFailedSchema } from '../../schemas/export-outcome.ts';

const sha = (c: string) => c.repeat(64);

function jobWith(result: JobResult): Job {
  const at = new Date('2026-11-25T10:00:00Z');
  return {
    jobId: 'exp_1',
    workspaceId: 'acme',
    requestId: 'r1',
    requestHash: 'h',
    request: {},
    format: result.format,
    status: 'succeeded',
    attempts: 1,
    rows: result.rows,
    bytes: result.bytes,
    result,
    error: null,
    eventEmittedAt: null,
    createdAt: at,
    startedAt: at,
    finishedAt: at,
  };
}

const base: JobResult = {
  format: 'csv',
  bucket: 'b',
  key: 'exports/acme/exp_1/exp_1.csv',
  rows: 3,
  bytes: 10,
  sha256: sha('a'),
  contentType: 'text/csv; charset=utf-8',
  columns: [{ name: 'id', type: 'int64' }],
};
const url = { url: 'http://s3/x', expiresAt: new Date('2026-11-25T11:00:00Z') };

describe('completedEvent', () => {
  it('a single-file export has no files list (the v1 event as before)', () => {
    const event = completedEvent(jobWith(base), url);
    expect(ExportCompletedSchema.parse(event)).toEqual(event);
    expect(event).not.toHaveProperty('files');
  });

  it('a split export points at its manifest and lists the files', () => {
    const files = [
      { key: 'exports/acme/exp_1/part-00001.csv', rows: 2, bytes: 6, sha256: sha('b') },
      { key: 'exports/acme/exp_1/part-00002.csv', rows: 1, bytes: 4, sha256: sha('c') },
    ];
    const event = completedEvent(
      jobWith({ ...base, key: 'exports/acme/exp_1/manifest.json', contentType: 'application/json', files }),
      url,
    );
    expect(ExportCompletedSchema.parse(event)).toEqual(event);
    expect(event.key).toBe('exports/acme/exp_1/manifest.json');
    expect(event.files).toEqual(files);
  });
});

describe('failedEvent', () => {
  it('is the v1 contract exactly, though it is given the whole job', () => {
    const job = jobWith(base);
    const event = failedEvent(
      job,
      { code: 'TABLE_NOT_FOUND', message: 'no table', retriable: false },
      job.finishedAt!,
    );
    expect(ExportFailedSchema.safeParse(event).success).toBe(true);
    expect(Object.keys(event).sort()).toEqual(
      ['code', 'failedAt', 'jobId', 'message', 'requestId', 'retriable', 'version', 'workspaceId'].sort(),
    );
  });
});
