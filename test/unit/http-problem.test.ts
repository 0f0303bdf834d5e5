import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.ts';
import { openApiDocument } from '../../producers/http/openapi.ts';
import { invalid, PROBLEM_STATUS, problemFromError } from '../../producers/http/problem.ts';
import { parseExportBody, parseReportBody } from '../../producers/http/routes-exports.ts';
import { apiRequestId, callerRequestId, defaultRequestId } from '../../producers/http/request-id.ts';
import { parseCsvGeneratorAction } from '../../csv-generator/action-envelope.ts';

const body = { source: 'pg', query: { kind: 'table', table: 't' }, format: 'csv' };

const fieldsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    return (problemFromError(err).errors ?? []).map((e) => e.field);
  }
  throw new Error('expected a rejection');
};

describe('HTTP problem mapping', () => {
  it('maps codes to statuses and keeps field errors', () => {
    expect(problemFromError(invalid([{ field: 'format', rule: 'required' }]))).toEqual({
      type: 'urn:sluice:problem:request-invalid',
      title: 'The request is invalid',
      status: 400,
      detail: 'format: required',
      code: 'REQUEST_INVALID',
      errors: [{ field: 'format', rule: 'required' }],
    });
    expect(problemFromError(new SluiceError('UNAUTHENTICATED', 'x')).status).toBe(401);
    expect(problemFromError(new SluiceError('JOB_NOT_FOUND', 'x')).status).toBe(404);
    expect(problemFromError(new SluiceError('JOB_NOT_SUCCEEDED', 'x')).status).toBe(409);
    expect(problemFromError(new SluiceError('IDEMPOTENCY_KEY_REUSED', 'x')).status).toBe(422);
    expect(problemFromError(new SluiceError('RATE_LIMITED', 'x')).status).toBe(429);
    expect(problemFromError(new SluiceError('INFRA_UNAVAILABLE', 'x')).status).toBe(503);
    // Single field/rule details (as the idempotency store throws them) become an errors list.
    const keyErr = new SluiceError('REQUEST_INVALID', 'bad key', {
      details: { field: 'Idempotency-Key', rule: 'printable' },
    });
    expect(problemFromError(keyErr).errors).toEqual([{ field: 'Idempotency-Key', rule: 'printable' }]);
  });

  it('hides unexpected errors behind an opaque 500', () => {
    const p = problemFromError(new Error('password=hunter2 in connection string'));
    expect(p).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', detail: 'internal error' });
    expect(problemFromError(new SluiceError('ENCODER_FAILED', 'secret')).detail).toBe('internal error');
  });

  it("passes fastify's own 4xx through as REQUEST_INVALID", () => {
    const err = Object.assign(new Error('Unsupported Media Type'), {
      statusCode: 415,
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    });
    expect(problemFromError(err)).toMatchObject({ status: 415, code: 'REQUEST_INVALID' });
  });
});

describe('export bodies', () => {
  it('accepts the caller-owned fields and names every refused one', () => {
    expect(parseExportBody(body)).toEqual(body);
    expect(fieldsOf(() => parseExportBody({ ...body, workspaceId: 'w', requestedBy: 'u' }))).toEqual([
      'workspaceId',
      'requestedBy',
    ]);
    expect(fieldsOf(() => parseExportBody({ ...body, colour: 'red' }))).toEqual(['colour']);
    expect(fieldsOf(() => parseExportBody({ ...body, urlTtlSeconds: 5 }))).toEqual(['urlTtlSeconds']);
    expect(fieldsOf(() => parseExportBody([]))).toEqual(['(body)']);
  });

  it('refuses a body that names its own recipient: over HTTP the rows are always the caller’s', () => {
    expect(fieldsOf(() => parseExportBody({ ...body, recipient: 'ceo' }))).toEqual(['recipient']);
  });

  it('leaves the format to planning (test/unit/plan-export.test.ts), which names the field', () => {
    for (const format of ['csv', 'ndjson', 'json', 'parquet', 'arrow', 'sql', 'pdf']) {
      expect(parseExportBody({ ...body, format }).format).toBe(format);
    }
  });

  describe('report exports', () => {
    it('become report requests on the reports’ source (checked against the catalog when planned)', () => {
      const req = parseReportBody({ reportSource: 'pg' }, 'store-performance', {
        format: 'parquet',
        pages: ['page_1'],
        filters: { region: 'North' },
      });
      expect(req).toEqual({
        source: 'pg',
        format: 'parquet',
        query: {
          kind: 'report',
          reportId: 'store-performance',
          pages: ['page_1'],
          filters: { region: 'North' },
        },
      });
    });

    it('answer 404 when no reports source is configured, 400 naming a malformed field', () => {
      let thrown: unknown;
      try {
        parseReportBody({}, 'store-performance', { format: 'csv' });
      } catch (err) {
        thrown = err;
      }
      expect(problemFromError(thrown)).toMatchObject({ status: 404, code: 'REPORT_NOT_FOUND' });
      expect(
        fieldsOf(() => parseReportBody({ reportSource: 'pg' }, 'x', { format: 'csv', pages: [] })),
      ).toEqual(['pages']);
    });
  });

  it('derives a stable requestId from the person and the Idempotency-Key', () => {
    expect(defaultRequestId('ana', 'k1')).toBe(defaultRequestId('ana', 'k1'));
    expect(defaultRequestId('ana', 'k1')).not.toBe(defaultRequestId('ana', 'k2'));
    expect(defaultRequestId('ana', 'k1')).not.toBe(defaultRequestId('bob', 'k1'));
    expect(defaultRequestId('ana', undefined)).not.toBe(defaultRequestId('ana', undefined));
  });

  it('puts API requestIds in a namespace of their own, and echoes the caller’s part', () => {
    expect(apiRequestId('nightly-2026-12-01')).toBe('api:nightly-2026-12-01');
    expect(callerRequestId(apiRequestId('req-csv-001'))).toBe('req-csv-001');
  });

  it('refuses requestIds and action ids that could forge an answer line', () => {
    for (const id of ['a|0|0|{}', 'a\nb', 'x"y', ' lead', 'a'.repeat(129), '']) {
      expect(
        fieldsOf(() => parseExportBody({ ...body, requestId: id })),
        id,
      ).toEqual(['requestId']);
      const action = {
        action: 'external-service',
        data: { id, route: 'external-service/csv-generator', body: {} },
      };
      expect(() => parseCsvGeneratorAction(action), id).toThrow(
        expect.objectContaining({ code: 'REQUEST_INVALID' }),
      );
    }
  });

  it('documents every problem code a route answers with', () => {
    expect(openApiDocument.openapi).toBe('3.1.0');
    const text = JSON.stringify(openApiDocument);
    const routeCodes = Object.keys(PROBLEM_STATUS).filter(
      (c) => c !== 'INTERNAL_ERROR' && c !== 'ROUTE_NOT_FOUND',
    );
    for (const code of routeCodes) expect(text, code).toContain(`"${code}"`);
  });
});
