import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.ts';
import { toSinkError } from '../../sinks/s3/s3-errors.ts';

/** An error shaped as the SDK throws it for an S3 error response. */
function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} from the store`,
  });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

const cases: { name: string; err: unknown; retriable: boolean }[] = [
  { name: 'AccessDenied', err: s3Error('AccessDenied', 403), retriable: false },
  { name: 'NoSuchBucket', err: s3Error('NoSuchBucket', 404), retriable: false },
  { name: 'InvalidAccessKeyId', err: s3Error('InvalidAccessKeyId', 403), retriable: false },
  { name: 'SignatureDoesNotMatch', err: s3Error('SignatureDoesNotMatch', 403), retriable: false },
  { name: 'another 4xx (EntityTooSmall)', err: s3Error('EntityTooSmall', 400), retriable: false },
  { name: 'SlowDown', err: s3Error('SlowDown', 503), retriable: true },
  { name: 'InternalError', err: s3Error('InternalError', 500), retriable: true },
  { name: 'any 5xx', err: s3Error('Unknown', 502), retriable: true },
  { name: 'throttling (429)', err: s3Error('TooManyRequestsException', 429), retriable: true },
  { name: 'RequestTimeout (400, but transient)', err: s3Error('RequestTimeout', 400), retriable: true },
  { name: 'connection refused', err: socketError('ECONNREFUSED'), retriable: true },
  { name: 'connection reset', err: socketError('ECONNRESET'), retriable: true },
  {
    name: 'an abort of ours',
    err: Object.assign(new Error('aborted'), { name: 'AbortError' }),
    retriable: false,
  },
];

describe('S3 failures → SINK_WRITE_FAILED with a retry decision', () => {
  for (const c of cases) {
    it(`${c.name} → ${c.retriable ? 'retriable' : 'not retriable'}`, () => {
      const err = toSinkError(c.err, { bucket: 'b', key: 'k.csv' });
      expect(err).toMatchObject({ code: 'SINK_WRITE_FAILED', retriable: c.retriable, cause: c.err });
      expect(err.message).toContain('s3://b/k.csv');
    });
  }

  it('keeps the S3 name, HTTP status and errno in details', () => {
    expect(toSinkError(s3Error('NoSuchBucket', 404), { bucket: 'b' }).details).toEqual({
      bucket: 'b',
      s3Error: 'NoSuchBucket',
      httpStatus: 404,
    });
    expect(toSinkError(socketError('ECONNREFUSED'), { bucket: 'b' }).details).toMatchObject({
      errno: 'ECONNREFUSED',
    });
  });

  it('leaves a SluiceError as it is', () => {
    const own = new SluiceError('SINK_WRITE_FAILED', 'too many parts');
    expect(toSinkError(own, { bucket: 'b' })).toBe(own);
  });
});
