import { z } from 'zod';
import { CsvGeneratorActionSchema } from '../../csv-generator/action-envelope.ts';
import { CsvGeneratorBodySchema } from '../../schemas/csv-generator.ts';
import { ExportBodySchema, ReportExportRouteSchema } from './routes-exports.ts';

/**
 * The API's OpenAPI 3.1 description, written by hand so it says what the routes promise (codes, headers,
 * replay semantics), served at GET /openapi.json.
 */
const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A problem response listing the `code`s it can carry. */
function problemResponse(description: string, codes: string[], headers?: Record<string, object>) {
  return {
    description: `${description} (code: ${codes.join(' | ')})`,
    ...(headers ? { headers } : {}),
    content: {
      'application/problem+json': {
        schema: { allOf: [ref('Problem'), { properties: { code: { enum: codes } } }] },
      },
    },
  };
}

const rateLimitHeaders = {
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
};

const unauthenticated = problemResponse('Missing, unknown, revoked or expired token', ['UNAUTHENTICATED']);
const jobNotFound = problemResponse(
  "No such job in the token's workspace (another workspace's job is indistinguishable from none)",
  ['JOB_NOT_FOUND'],
);
const jobIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', example: 'exp_…' } };
const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Same key + same body within 24 h: the first response is replayed (header Idempotent-Replayed: true). Scoped per workspace.',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

function exportOperation(summary: string, bodySchema: object, extra: Record<string, object> = {}) {
  return {
    summary,
    security: [{ bearer: [] }],
    parameters: [idempotencyKeyParam],
    requestBody: { required: true, content: json(bodySchema) },
    responses: {
      '202': {
        description: 'Accepted: the job is queued (or was, for a replay)',
        headers: {
          Location: { schema: { type: 'string' }, description: '/v1/jobs/{job_id}' },
          'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] } },
          ...rateLimitHeaders,
        },
        content: json(ref('Accepted')),
      },
      '400': problemResponse('Invalid body or option combination, naming each field and rule', [
        'REQUEST_INVALID',
        'COLUMN_NOT_FOUND',
        'FORMAT_UNSUPPORTED',
      ]),
      '401': unauthenticated,
      '403': problemResponse(
        'The source, a table or raw SQL is not granted to the workspace, or row-level security cannot be applied',
        ['SOURCE_NOT_GRANTED', 'TABLE_NOT_GRANTED', 'RAW_SQL_NOT_ALLOWED', 'ROW_SECURITY_UNENFORCEABLE'],
      ),
      '404': problemResponse('No such source or table', ['SOURCE_UNKNOWN', 'TABLE_NOT_FOUND']),
      ...extra,
      '409': problemResponse(
        'The Idempotency-Key is still in flight, or the requestId was used for another body',
        ['IDEMPOTENCY_KEY_IN_FLIGHT', 'REQUEST_CONFLICT'],
      ),
      '422': problemResponse('The Idempotency-Key was used for a different request', [
        'IDEMPOTENCY_KEY_REUSED',
      ]),
      '429': problemResponse(
        'Rate limit: interactive tokens 30/min per user, API tokens 300/h per workspace, bursts of 10',
        ['RATE_LIMITED'],
        {
          'Retry-After': { schema: { type: 'integer', minimum: 1 } },
          ...rateLimitHeaders,
        },
      ),
      '503': problemResponse('A dependency (PostgreSQL) is unavailable', ['INFRA_UNAVAILABLE']),
    },
  };
}

/**
 * The CSV generator's routes: an export like any other, answered with the seed's line once the file exists,
 * or 202 when it takes longer than the wait (or the caller prefers respond-async).
 */
function csvGeneratorOperation(summary: string, body: string) {
  const base = exportOperation(summary, ref(body), {
    '404': problemResponse('The API has no source configured for metrics', ['ROUTE_NOT_FOUND']),
  });
  return {
    ...base,
    parameters: [
      idempotencyKeyParam,
      {
        name: 'Prefer',
        in: 'header',
        required: false,
        description: 'respond-async: answer 202 with the job id at once instead of waiting for the file',
        schema: { type: 'string', examples: ['respond-async'] },
      },
    ],
    responses: {
      '200': {
        description:
          'The file is ready: `{id}|0|0|{"body":[{"bucket","key","signedUrl"}]}` (signedUrl valid for urlTtlSeconds, 1 hour by default)',
        headers: {
          Location: { schema: { type: 'string' }, description: '/v1/jobs/{job_id}' },
          ...rateLimitHeaders,
        },
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
      ...base.responses,
      '202': {
        ...base.responses['202'],
        description: 'Accepted but not finished within the wait (SLUICE_API_SYNC_WAIT_MS): poll the job',
      },
      '502': problemResponse('The export failed; the code says why', ['QUERY_FAILED', 'SOURCE_UNAVAILABLE']),
      '504': problemResponse('A metric query ran past its timeout', ['QUERY_TIMEOUT']),
    },
  };
}

/** A zod schema as the JSON Schema (2020-12, which OpenAPI 3.1 speaks) of a request body. */
function bodySchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'sluice export API',
    version: '1.0.0',
    description:
      'Asynchronous exports: POST an export, poll GET /v1/jobs/{id} until succeeded, then GET its result for a presigned URL. Errors are application/problem+json with a stable code.',
  },
  paths: {
    '/healthz': {
      get: {
        summary: 'Liveness',
        security: [],
        responses: {
          '200': {
            description: 'Up',
            content: json({ type: 'object', properties: { status: { const: 'ok' } } }),
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
      },
    },
    '/v1/exports': {
      post: exportOperation('Export a query from a configured source', ref('ExportBody')),
    },
    '/v1/reports/{id}/export': {
      post: {
        ...exportOperation(
          'Export a catalog report: its visuals’ metric queries for the caller (row-level security), one file per visual plus a manifest when there are several',
          ref('ReportExportBody'),
          {
            '404': problemResponse('No such report, source or table', [
              'REPORT_NOT_FOUND',
              'SOURCE_UNKNOWN',
              'TABLE_NOT_FOUND',
            ]),
          },
        ),
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          idempotencyKeyParam,
        ],
      },
    },
    '/v1/csv-generator': {
      post: csvGeneratorOperation(
        'The CSV generator: metric requests combined into one CSV',
        'CsvGeneratorBody',
      ),
    },
    '/v1/actions': {
      post: csvGeneratorOperation(
        'The seed’s action envelope; route external-service/csv-generator runs the CSV generator',
        'CsvGeneratorAction',
      ),
    },
    '/v1/jobs': {
      get: {
        summary: "This workspace's jobs, newest first",
        security: [{ bearer: [] }],
        parameters: [
          { name: 'status', in: 'query', schema: ref('JobStatus') },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          {
            name: 'before',
            in: 'query',
            description: 'next_before of the previous page',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': { description: 'Jobs', content: json(ref('JobList')) },
          '400': problemResponse('Invalid query parameter', ['REQUEST_INVALID']),
          '401': unauthenticated,
        },
      },
    },
    '/v1/jobs/{id}': {
      get: {
        summary: 'A job and its progress',
        security: [{ bearer: [] }],
        parameters: [jobIdParam],
        responses: {
          '200': { description: 'The job', content: json(ref('Job')) },
          '401': unauthenticated,
          '404': jobNotFound,
        },
      },
      delete: {
        summary: 'Cancel a queued or running job (a running export stops and its upload is aborted)',
        security: [{ bearer: [] }],
        parameters: [jobIdParam],
        responses: {
          '202': { description: 'Cancelled', content: json(ref('Job')) },
          '401': unauthenticated,
          '404': jobNotFound,
          '409': problemResponse('The job already finished', ['JOB_ALREADY_FINISHED']),
        },
      },
    },
    '/v1/jobs/{id}/result': {
      get: {
        summary: "A fresh presigned URL for a succeeded job's result (valid urlTtlSeconds, default 3600)",
        security: [{ bearer: [] }],
        parameters: [jobIdParam],
        responses: {
          '200': { description: 'Download URL', content: json(ref('JobResult')) },
          '401': unauthenticated,
          '404': jobNotFound,
          '409': problemResponse('The job has not succeeded (detail names its status)', [
            'JOB_NOT_SUCCEEDED',
          ]),
        },
      },
    },
    '/v1/queue': {
      get: {
        summary: "This workspace's queue depth: jobs per status",
        security: [{ bearer: [] }],
        responses: { '200': { description: 'Counts', content: json(ref('Queue')) }, '401': unauthenticated },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'A workspace token (sluice tokens create)' },
    },
    headers: {
      RateLimit: {
        schema: { type: 'string' },
        description: 'draft-ietf-httpapi-ratelimit-headers: "name";r=<remaining>;t=<seconds>',
      },
      RateLimitPolicy: { schema: { type: 'string' }, description: '"name";q=<burst>;w=<window seconds>' },
    },
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail', 'code'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'rule'],
              properties: { field: { type: 'string' }, rule: { type: 'string' } },
            },
          },
        },
      },
      Accepted: {
        type: 'object',
        required: ['job_id'],
        properties: { job_id: { type: 'string', pattern: '^exp_' } },
      },
      JobStatus: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
      Job: {
        type: 'object',
        required: ['id', 'status', 'progress', 'created_at', 'started_at', 'finished_at'],
        properties: {
          id: { type: 'string' },
          status: ref('JobStatus'),
          progress: { type: 'object', properties: { rows: { type: 'integer' }, bytes: { type: 'integer' } } },
          created_at: { type: 'string', format: 'date-time' },
          started_at: { type: ['string', 'null'], format: 'date-time' },
          finished_at: { type: ['string', 'null'], format: 'date-time' },
          error: {
            type: 'object',
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              retriable: { type: 'boolean' },
            },
          },
        },
      },
      JobList: {
        type: 'object',
        required: ['jobs'],
        properties: { jobs: { type: 'array', items: ref('Job') }, next_before: { type: 'string' } },
      },
      JobResult: {
        type: 'object',
        required: ['url', 'expires_at'],
        properties: {
          url: { type: 'string', format: 'uri' },
          expires_at: { type: 'string', format: 'date-time' },
        },
      },
      Queue: {
        type: 'object',
        required: ['workspace_id', 'queued', 'running', 'succeeded', 'failed', 'cancelled'],
        properties: Object.fromEntries([
          ['workspace_id', { type: 'string' }],
          ...['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => [s, { type: 'integer' }]),
        ]),
      },
      // Request bodies are generated from the zod schemas the routes validate with, so they cannot drift.
      ExportBody: {
        ...bodySchema(ExportBodySchema),
        description:
          'version, workspaceId, requestedBy and recipient are set from the token (rows are always the caller’s); sending them is a 400. query.kind: table | sql | metric | report | csv-generator.',
      },
      ReportExportBody: {
        ...bodySchema(ReportExportRouteSchema),
        description:
          'Seed 000: pages pick pages of the catalog report (all when absent); filters (dimension → value or values) apply to every exported visual.',
      },
      CsvGeneratorBody: {
        ...bodySchema(CsvGeneratorBodySchema),
        description:
          'Seed 004: columns bound to metric requests (metricId, fetchValue, field, filter); sortBy column indices; rowFilters dimensions.',
      },
      CsvGeneratorAction: {
        ...bodySchema(CsvGeneratorActionSchema),
        description:
          'Seed 004’s envelope: data.body is a CsvGeneratorBody; data.id names the request (and its job).',
      },
    },
  },
} as const;
