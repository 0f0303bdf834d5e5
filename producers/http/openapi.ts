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
const scheduleNotFound = problemResponse('No such schedule in this workspace', ['SCHEDULE_NOT_FOUND']);
const scheduleIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', example: 'sch_…' },
};
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
        'QUERY_NOT_READ_ONLY',
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
      '413': problemResponse('The body is larger than 1 MiB', ['REQUEST_TOO_LARGE']),
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
    '/metrics': {
      get: {
        summary: 'Prometheus metrics: jobs by state and workspace, queue depth, outbox backlog, 429s',
        security: [],
        responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': {} } } },
      },
    },
    '/jobs': {
      get: {
        summary: 'The Jobs page (HTML); it signs in with a bearer token and calls this API',
        security: [],
        responses: { '200': { description: 'The page', content: { 'text/html': {} } } },
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
    '/v1/reports/{id}/visuals/{visualId}/export': {
      post: {
        ...exportOperation(
          'Export one visual of a catalog report (any format; pdf, png and pptx render it)',
          ref('ReportExportBody'),
          { '404': problemResponse('No such report or visual', ['REPORT_NOT_FOUND', 'VISUAL_NOT_FOUND']) },
        ),
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'visualId', in: 'path', required: true, schema: { type: 'string' } },
          idempotencyKeyParam,
        ],
      },
    },
    '/v1/reports/{id}/shared-links': {
      post: {
        summary: 'Create a shared link: exports through it carry the watermark on every PDF page and PNG',
        security: [{ bearer: [] }],
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['watermark'],
            additionalProperties: false,
            properties: {
              watermark: { type: 'string', minLength: 1, maxLength: 200 },
              expires_at: {
                type: 'string',
                format: 'date-time',
                description:
                  'When the link stops working; default 30 days from now, at most 365 (SLUICE_SHARED_LINK_TTL_DAYS, SLUICE_SHARED_LINK_MAX_TTL_DAYS)',
              },
            },
          }),
        },
        responses: {
          '201': { description: 'The link; `token` is shown once', content: json(ref('SharedLink')) },
          '400': problemResponse('Invalid body', ['REQUEST_INVALID']),
          '401': unauthenticated,
          '404': problemResponse('No such report', ['REPORT_NOT_FOUND']),
        },
      },
      get: {
        summary: "The report's shared links (live and revoked), without their secrets",
        security: [{ bearer: [] }],
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'Links',
            content: json({
              type: 'object',
              properties: { shared_links: { type: 'array', items: ref('SharedLink') } },
            }),
          },
          '401': unauthenticated,
          '404': problemResponse('No such report', ['REPORT_NOT_FOUND']),
        },
      },
    },
    '/v1/reports/{id}/shared-links/{linkId}': {
      delete: {
        summary: 'Revoke a shared link: exports through it are refused from now on',
        security: [{ bearer: [] }],
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'linkId', in: 'path', required: true, schema: { type: 'string' } },
        ],
        responses: {
          '204': { description: 'Revoked' },
          '401': unauthenticated,
          '404': problemResponse('No such report or live link', [
            'REPORT_NOT_FOUND',
            'SHARED_LINK_NOT_FOUND',
          ]),
        },
      },
    },
    '/v1/shared-links/{token}/export': {
      post: {
        ...exportOperation(
          "Export the link's report as its creator sees it, the link's watermark drawn (no bearer token: the link is the credential)",
          ref('ReportExportBody'),
          {
            '404': problemResponse('No live shared link', ['SHARED_LINK_NOT_FOUND']),
            '410': problemResponse('The shared link expired', ['SHARED_LINK_EXPIRED']),
          },
        ),
        security: [],
        parameters: [
          { name: 'token', in: 'path', required: true, schema: { type: 'string' } },
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
    '/v1/schedules': {
      post: {
        summary:
          'Schedule an export: cron in a time zone, recipients, and one of export (a POST /v1/exports body), report ({reportId, format, pages?, filters?}) or csvGenerator (a seed 004 body)',
        security: [{ bearer: [] }],
        requestBody: { required: true, content: json(ref('ScheduleBody')) },
        responses: {
          '201': { description: 'Created, with its next run times', content: json(ref('Schedule')) },
          '400': problemResponse(
            'Bad cron, unknown time zone, no recipients, unknown source or report, or a bad export body; each field named',
            ['REQUEST_INVALID'],
          ),
          '401': unauthenticated,
        },
      },
      get: {
        summary: "This workspace's schedules",
        security: [{ bearer: [] }],
        responses: {
          '200': { description: '{schedules: [...]}', content: json({ type: 'object' }) },
          '401': unauthenticated,
        },
      },
    },
    '/v1/schedules/{id}': {
      get: {
        summary: 'One schedule, with its next run times',
        security: [{ bearer: [] }],
        parameters: [scheduleIdParam],
        responses: {
          '200': { description: 'The schedule', content: json(ref('Schedule')) },
          '401': unauthenticated,
          '404': scheduleNotFound,
        },
      },
      patch: {
        summary: 'Pause ({"state":"paused"}), resume ({"state":"active"}) or change any field of the body',
        security: [{ bearer: [] }],
        parameters: [scheduleIdParam],
        requestBody: { required: true, content: json({ type: 'object' }) },
        responses: {
          '200': { description: 'The schedule as changed', content: json(ref('Schedule')) },
          '400': problemResponse('A field is invalid', ['REQUEST_INVALID']),
          '401': unauthenticated,
          '404': scheduleNotFound,
        },
      },
      delete: {
        summary: 'Delete a schedule and its runs',
        security: [{ bearer: [] }],
        parameters: [scheduleIdParam],
        responses: { '204': { description: 'Deleted' }, '401': unauthenticated, '404': scheduleNotFound },
      },
    },
    '/v1/schedules/{id}/runs': {
      get: {
        summary:
          "A schedule's runs, newest first: each export (one per distinct row-policy view) and each recipient's delivery state",
        security: [{ bearer: [] }],
        parameters: [scheduleIdParam],
        responses: {
          '200': { description: '{runs: [...]}', content: json({ type: 'object' }) },
          '401': unauthenticated,
          '404': scheduleNotFound,
        },
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
      ScheduleBody: {
        type: 'object',
        required: ['cron', 'timeZone', 'recipients'],
        properties: {
          name: { type: 'string' },
          cron: { type: 'string', description: 'five fields, read in timeZone', examples: ['0 9 * * 1'] },
          timeZone: { type: 'string', examples: ['Asia/Kolkata'] },
          recipients: { type: 'array', minItems: 1, items: { type: 'string', format: 'email' } },
          export: ref('ExportBody'),
          report: { type: 'object', required: ['reportId', 'format'] },
          csvGenerator: ref('CsvGeneratorBody'),
        },
      },
      Schedule: {
        type: 'object',
        required: ['id', 'cron', 'timeZone', 'recipients', 'state', 'nextRuns'],
        properties: {
          id: { type: 'string' },
          state: { type: 'string', enum: ['active', 'paused'] },
          nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' } },
          lastRunAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
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
          format: { type: 'string' },
          progress: {
            type: 'object',
            description:
              "Rows and bytes so far while running (recorded with each lease renewal); final once succeeded. expected_rows: the source's row estimate for a whole-table export (PostgreSQL planner statistics, SQLite count, capped by the limit), null when not cheap to know",
            properties: {
              rows: { type: 'integer' },
              bytes: { type: 'integer' },
              expected_rows: { type: ['integer', 'null'] },
            },
          },
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
      SharedLink: {
        type: 'object',
        required: ['id', 'report_id', 'watermark', 'created_by', 'created_at', 'expires_at', 'revoked_at'],
        properties: {
          id: { type: 'string' },
          report_id: { type: 'string' },
          watermark: { type: 'string' },
          created_by: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
          expires_at: { type: 'string', format: 'date-time' },
          revoked_at: { type: ['string', 'null'], format: 'date-time' },
          token: { type: 'string', description: 'Only in the answer to POST: the secret of the link' },
          export_url: { type: 'string', description: 'Only in the answer to POST: where to POST an export' },
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
