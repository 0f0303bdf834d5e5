import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateAuthStore } from '../../auth/migrations.ts';
import { RatePolicies } from '../../auth/rate-limiter.ts';
import { TokenStore } from '../../auth/tokens.ts';
import { SEED_CSV_ACTION } from '../../demo/seed-csv-request.ts';
import type { ApiService } from '../../producers/http/service.ts';
import { startTestApi } from '../support/api.ts';
import { OPEN_GRANT } from '../support/grants.ts';
import { s3Settings, testS3Client } from '../support/s3.ts';

/**
 * The HTTP abuse corpus: one table of hostile requests, each answered by a coded 4xx problem+json, and
 * after each one nothing in the workspace changed — no job, no idempotency record, no schedule, no shared
 * link, no object; the refusals that come before the token or the body (401, 413) spend no rate token.
 * One API instance, in this process, against the real PostgreSQL, broker and S3Proxy.
 */

type TokenName = 'member' | 'quiet' | 'revoked' | 'expired' | 'other' | 'none';
interface HttpCase {
  name: string;
  method?: string;
  path?: string;
  token?: TokenName;
  /** Replaces the Authorization header entirely (wrong schemes). */
  authorization?: string;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string or Buffer (sent as is). */
  body?: unknown;
  /** A whole request written on a socket (what fetch refuses to send: CR/LF in headers…). */
  raw?: (token: string) => string;
  status: number;
  code: string;
  /** A field the problem's `errors` must name. */
  field?: string;
}

interface Answer {
  status: number;
  contentType: string;
  problem: { code?: string; status?: number; errors?: { field: string; rule: string }[] };
}

const CSV_BODY = SEED_CSV_ACTION.data.body;
const exportBody = (over: Record<string, unknown> = {}) => ({
  source: 'pg',
  query: { kind: 'table', table: 'public.abuse_none' },
  format: 'csv',
  ...over,
});
const withQuery = (q: Record<string, unknown>) => exportBody({ query: { kind: 'table', table: 't', ...q } });
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

const WRONG = { null: null, number: 7, boolean: true, array: [], object: {}, string: 'x' } as const;
type Kind = keyof typeof WRONG;
/** Every value of a type other than `right` (and not `absent`-able null for optional fields). */
const wrongFor = (right: Kind[]): [Kind, unknown][] =>
  (Object.keys(WRONG) as Kind[]).filter((k) => !right.includes(k)).map((k) => [k, WRONG[k]]);

function wrongTypeCases(): HttpCase[] {
  const out: HttpCase[] = [];
  const top: [string, Kind[]][] = [
    ['source', ['string']],
    ['query', ['object']],
    ['format', ['string']],
    ['options', ['object']],
    ['urlTtlSeconds', ['number']],
    ['requestId', ['string']],
  ];
  for (const [field, right] of top)
    for (const [kind, value] of wrongFor(right))
      out.push({
        name: `${field} as ${kind}`,
        body: exportBody({ [field]: value }),
        status: 400,
        code: 'REQUEST_INVALID',
        field,
      });
  const table: [string, Kind[]][] = [
    ['table', ['string']],
    ['columns', ['array']],
    ['filters', ['array']],
    ['orderBy', ['array']],
    ['limit', ['number']],
  ];
  for (const [field, right] of table)
    for (const [kind, value] of wrongFor(right))
      out.push({
        name: `query.${field} as ${kind}`,
        body: withQuery({ [field]: value }),
        status: 400,
        code: 'REQUEST_INVALID',
        field: `query.${field}`,
      });
  const options: [string, unknown][] = [
    ['compression', 'brotli'],
    ['header', 'yes'],
    ['delimiter', ',,'],
    ['rowGroupRows', 1.5],
    ['partSizeMiB', 1024],
    ['maxRowsPerFile', 10],
    ['maxFileSizeMiB', -1],
    ['parallel', 99],
    ['sqlDialect', 'oracle'],
  ];
  for (const [field, value] of options)
    out.push({
      name: `options.${field} = ${JSON.stringify(value)}`,
      body: exportBody({ options: { [field]: value } }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: `options.${field}`,
    });
  const filter: [string, unknown][] = [
    ['column', 7],
    ['op', 'like'],
    ['op', null],
    ['value', { $gt: 1 }],
    ['value', [[1]]],
    ['value', []],
  ];
  for (const [field, value] of filter)
    out.push({
      name: `query.filters.0.${field} = ${JSON.stringify(value)}`,
      body: withQuery({ filters: [{ column: 'a', op: 'eq', [field]: value }] }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: `query.filters.0.${field}`,
    });
  for (const kind of ['sql', 'metric', 'report', 'csv-generator', 'TABLE', '', 7, null])
    out.push({
      name: `query.kind ${JSON.stringify(kind)} without its fields`,
      body: exportBody({ query: { kind } }),
      status: 400,
      code: 'REQUEST_INVALID',
    });
  for (const field of ['version', 'workspaceId', 'requestedBy', 'recipient'])
    out.push({
      name: `server-owned ${field} in the body`,
      body: exportBody({ [field]: field === 'version' ? 1 : 'someone-else' }),
      status: 400,
      code: 'REQUEST_INVALID',
      field,
    });
  out.push({
    name: 'an unknown top-level field',
    body: exportBody({ debug: true }),
    status: 400,
    code: 'REQUEST_INVALID',
    field: 'debug',
  });
  out.push({
    name: '__proto__ as a field',
    body: '{"source":"pg","format":"csv","query":{"kind":"table","table":"t"},"__proto__":{"admin":true}}',
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: 'constructor.prototype as a field',
    body: exportBody({ constructor: { prototype: { admin: true } } }),
    status: 400,
    code: 'REQUEST_INVALID',
  });
  return out;
}

// Bodies are broken on purpose, so they are handled loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

function csvGeneratorCases(): HttpCase[] {
  const mutate = (change: (b: Loose) => void) => {
    const b = structuredClone(CSV_BODY) as unknown as Loose;
    change(b);
    return b;
  };
  const cases: [string, (b: Loose) => void][] = [
    ['csvFormat as a string', (b) => (b.csvFormat = 'csv')],
    ['columns empty', (b) => (b.csvFormat.columns = [])],
    ['heading as a number', (b) => (b.csvFormat.columns[0].heading = 1)],
    ['sortBy as objects', (b) => (b.csvFormat.sortBy = [{ column: 0 }])],
    ['sortBy negative', (b) => (b.csvFormat.sortBy = [-1])],
    ['rowFilters with SQL', (b) => (b.csvFormat.rowFilters = ["entity' OR '1'='1"])],
    ['rowFilters with a path', (b) => (b.csvFormat.rowFilters = ['../etc/passwd'])],
    ['a column filter key with SQL', (b) => (b.csvFormat.columns[1].filter = { 'region) OR (1=1': 'x' })],
    ['fetchValue with SQL', (b) => (b.csvFormat.columns[1].fetchValue = 'entries; DROP TABLE x')],
    ['field with a quote', (b) => (b.csvFormat.columns[0].field = 'date"--')],
    ['metricRequests empty', (b) => (b.metricRequests = [])],
    ['entityType with a quote', (b) => (b.metricRequests[0].entityType = 'location"--')],
    ['facets with SQL', (b) => (b.metricRequests[0].facets = ['segments; DELETE FROM x'])],
    ['measures with SQL', (b) => (b.metricRequests[0].measures = ['entries)--'])],
    ['aggregationPeriod year', (b) => (b.metricRequests[0].aggregationPeriod = 'year')],
    ['start not a date', (b) => (b.metricRequests[0].start = "2024-01-01' OR 1=1")],
    ['end before start', (b) => (b.metricRequests[0].end = '2020-01-01T00:00:00.000Z')],
    ['a span of 100 years', (b) => (b.metricRequests[0].end = '2124-01-01T00:00:00.000Z')],
    ['timeZone unknown', (b) => (b.metricRequests[0].timeZone = '../../etc/localtime')],
    ['entities empty', (b) => (b.metricRequests[0].entities = [])],
    ['an unknown field', (b) => (b.extra = 1)],
  ];
  const out: HttpCase[] = cases.map(([name, change]) => ({
    name: `csv-generator: ${name}`,
    path: '/v1/csv-generator',
    body: mutate(change),
    status: 400,
    code: 'REQUEST_INVALID',
  }));
  const envelope = (data: Record<string, unknown>) => ({
    action: 'external-service',
    data: { ...SEED_CSV_ACTION.data, ...data },
  });
  for (const id of [
    '../../etc/passwd',
    '%2e%2e%2fx',
    '/abs/path',
    '..\\..\\x',
    'a|b',
    'x'.repeat(200),
    '',
    'a\u202Eb',
  ])
    out.push({
      name: `action id ${JSON.stringify(id.slice(0, 20))}`,
      path: '/v1/actions',
      body: envelope({ id }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'data.id',
    });
  out.push({
    name: 'action route elsewhere',
    path: '/v1/actions',
    body: envelope({ route: 'external-service/../admin' }),
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: 'action of another kind',
    path: '/v1/actions',
    body: { ...envelope({}), action: 'shell' },
    status: 400,
    code: 'REQUEST_INVALID',
  });
  return out;
}

function unicodeCases(): HttpCase[] {
  const out: HttpCase[] = [];
  const hostile: [string, string][] = [
    ['a lone high surrogate', '\\ud800'],
    ['a lone low surrogate', '\\udc00'],
    ['NUL', '\\u0000'],
  ];
  const fields: [string, (v: string) => string][] = [
    ['source', (v) => `{"source":"pg${v}","format":"csv","query":{"kind":"table","table":"t"}}`],
    ['format', (v) => `{"source":"pg","format":"csv${v}","query":{"kind":"table","table":"t"}}`],
    ['query.table', (v) => `{"source":"pg","format":"csv","query":{"kind":"table","table":"t${v}"}}`],
    [
      'query.columns.0',
      (v) => `{"source":"pg","format":"csv","query":{"kind":"table","table":"t","columns":["c${v}"]}}`,
    ],
    [
      'query.filters.0.value',
      (v) =>
        `{"source":"pg","format":"csv","query":{"kind":"table","table":"t","filters":[{"column":"c","op":"eq","value":"v${v}"}]}}`,
    ],
    ['query.sql', (v) => `{"source":"pg","format":"csv","query":{"kind":"sql","sql":"SELECT 1${v}"}}`],
    [
      'requestId',
      (v) => `{"requestId":"r${v}","source":"pg","format":"csv","query":{"kind":"table","table":"t"}}`,
    ],
  ];
  for (const [what, escape] of hostile)
    for (const [field, body] of fields)
      out.push({
        name: `${what} in ${field}`,
        body: body(escape),
        status: 400,
        code: 'REQUEST_INVALID',
        field,
      });
  // A key holding a surrogate or NUL is named by its parent.
  out.push({
    name: 'a lone surrogate in a key',
    body: '{"source":"pg","format":"csv","query":{"kind":"table","table":"t"},"\\ud800":1}',
    status: 400,
    code: 'REQUEST_INVALID',
  });
  // Bytes that are not UTF-8: an overlong '/', a truncated sequence, a UTF-16 body, a stray continuation byte.
  const jsonAround = (bytes: number[]) =>
    Buffer.concat([
      Buffer.from('{"source":"pg","format":"csv","query":{"kind":"table","table":"t'),
      Buffer.from(bytes),
      Buffer.from('"}}'),
    ]);
  for (const [name, bytes] of [
    ['an overlong slash (C0 AF)', [0xc0, 0xaf]],
    ['an overlong NUL (C0 80)', [0xc0, 0x80]],
    ['a truncated 3-byte sequence', [0xe2, 0x82]],
    ['a stray continuation byte', [0x80]],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
  ] as [string, number[]][])
    out.push({
      name: `${name} in the table name`,
      body: jsonAround(bytes),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'query.table',
    });
  out.push({
    name: 'a UTF-16 body',
    body: Buffer.from('\ufeff{"source":"pg"}', 'utf16le'),
    status: 400,
    code: 'REQUEST_INVALID',
  });
  // Visible look-alikes are ordinary text: refused by the names they fail to match, never executed.
  for (const [name, text] of [
    ['an RTL override', 'orders\u202Etxt.exe'],
    ['a zero-width joiner', 'ord\u200Ders'],
    ['a Cyrillic look-alike', 'оrders'],
  ])
    out.push({
      name: `${name} in requestId`,
      body: exportBody({ requestId: text }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'requestId',
    });
  out.push({
    name: 'an RTL override in the source',
    body: exportBody({ source: 'p\u202Eg' }),
    status: 400,
    code: 'REQUEST_INVALID',
    field: 'source',
  });
  return out;
}

function traversalCases(): HttpCase[] {
  const out: HttpCase[] = [];
  const paths = [
    '../x',
    '../../etc/passwd',
    '%2e%2e%2fx',
    '%2E%2E/x',
    '/etc/passwd',
    '..\\..\\windows',
    'C:\\x',
    'a/../../b',
    '.',
    '..',
    'x/y',
    '~root',
  ];
  for (const p of paths)
    out.push({
      name: `requestId ${JSON.stringify(p)}`,
      body: exportBody({ requestId: p }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'requestId',
    });
  for (const p of ['../pg', '..%2fpg', '/pg', 'pg/..', 'PG', 'pg\\x'])
    out.push({
      name: `source ${JSON.stringify(p)}`,
      body: exportBody({ source: p }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'source',
    });
  for (const p of ['../csv', 'csv/../../x', '..\\csv'])
    out.push({
      name: `format ${JSON.stringify(p)}`,
      body: exportBody({ format: p }),
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'format',
    });
  // Path parameters: an id that names no job of this workspace is a 404, whatever it spells.
  // On a raw socket, so no client normalises `%2e%2e` away before the server sees it.
  const request = (method: string, path: string, body?: string) => (token: string) =>
    `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n` +
    (body === undefined
      ? '\r\n'
      : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..%5c..%5cx', encodeURIComponent('exp_x\u202E')])
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/result'],
      ['DELETE', ''],
    ] as const)
      out.push({
        name: `${method} /v1/jobs/${id}${suffix}`,
        raw: request(method, `/v1/jobs/${id}${suffix}`),
        status: 404,
        code: 'JOB_NOT_FOUND',
      });
  // A NUL or a lone surrogate in a path or query parameter never reaches the database (it would be a 500).
  for (const path of [
    '/v1/jobs/exp_%00',
    '/v1/jobs/exp_%00/result',
    '/v1/jobs/exp_%ED%A0%80',
    '/v1/schedules/sch_%00',
    '/v1/jobs?status=%00',
    '/v1/jobs?before=%00',
  ])
    out.push({ name: `GET ${path}`, raw: request('GET', path), status: 400, code: 'REQUEST_INVALID' });
  out.push({
    name: 'DELETE /v1/jobs/exp_%00',
    raw: request('DELETE', '/v1/jobs/exp_%00'),
    status: 400,
    code: 'REQUEST_INVALID',
    field: 'id',
  });
  out.push({
    name: 'a shared link token with NUL',
    raw: request('POST', '/v1/shared-links/slk_%00/export', '{"format":"csv"}'),
    status: 400,
    code: 'REQUEST_INVALID',
  });
  for (const id of ['..%2F..%2Fx', '%2e%2e', '..%5cx'])
    out.push({
      name: `report id ${id}`,
      raw: request('POST', `/v1/reports/${id}/export`, '{"format":"csv"}'),
      status: 404,
      code: 'REPORT_NOT_FOUND',
    });
  return out;
}

function malformedCases(): HttpCase[] {
  const raw: [string, string][] = [
    ['an empty body', ''],
    ['an unterminated object', '{'],
    ['a missing value', '{"source":}'],
    ['a trailing comma', '{"source":"pg",}'],
    ['single quotes', "{'source':'pg'}"],
    ['NaN', '{"limit":NaN}'],
    ['a comment', '{"source":"pg" /* x */}'],
    ['two documents', '{"a":1}{"b":2}'],
    ['a bare word', 'nul'],
    ['an unescaped control character', '{"source":"p\tg"}'],
    ['a bad escape', '{"source":"\\x41"}'],
    ['a huge number', `{"urlTtlSeconds":1${'0'.repeat(400)}}`],
  ];
  const out: HttpCase[] = raw.map(([name, body]) => ({
    name: `malformed JSON: ${name}`,
    body,
    status: 400,
    code: 'REQUEST_INVALID',
  }));
  for (const [name, body] of [
    ['an array', '[]'],
    ['a number', '1'],
    ['a string', '"export"'],
    ['null', 'null'],
    ['true', 'true'],
  ])
    out.push({
      name: `a JSON ${name} as the body`,
      body,
      status: 400,
      code: 'REQUEST_INVALID',
      field: '(body)',
    });
  for (const type of [
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
  ])
    out.push({
      name: `content-type ${type}`,
      headers: { 'content-type': type },
      body: 'source=pg',
      status: 415,
      code: 'REQUEST_INVALID',
    });
  // fastify reads text/plain as a string, and the charset parameter is not acted on: both are not an object.
  out.push({
    name: 'content-type text/plain',
    headers: { 'content-type': 'text/plain' },
    body: 'source=pg',
    status: 400,
    code: 'REQUEST_INVALID',
    field: '(body)',
  });
  out.push({
    name: 'content-type json with a charset of utf-7',
    headers: { 'content-type': 'application/json; charset=utf-7' },
    body: '{}',
    status: 400,
    code: 'REQUEST_INVALID',
  });
  // Nesting: 100k-deep arrays and objects must be refused, not overflow the stack.
  out.push({
    name: '100,000-deep arrays as the body',
    body: deepArray(100_000),
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: '100,000-deep arrays in a filter value',
    body: `{"source":"pg","format":"csv","query":{"kind":"table","table":"t","filters":[{"column":"c","op":"eq","value":${deepArray(100_000)}}]}}`,
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: '50,000-deep objects in options',
    body: `{"source":"pg","format":"csv","query":{"kind":"table","table":"t"},"options":${deepObject(50_000)}}`,
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: '33-deep arrays in sql params',
    body: `{"source":"pg","format":"csv","query":{"kind":"sql","sql":"SELECT 1","params":${deepArray(33)}}}`,
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: '100,000-deep arrays to the CSV generator',
    path: '/v1/csv-generator',
    body: deepArray(100_000),
    status: 400,
    code: 'REQUEST_INVALID',
  });
  // Sizes just inside the byte cap that break a value cap.
  out.push({
    name: 'a 1,000,001-character string',
    body: exportBody({ format: 'x'.repeat(1_000_001) }),
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: '200,001 values',
    body: `{"source":"pg","format":"csv","query":{"kind":"sql","sql":"SELECT 1","params":[${'0,'.repeat(200_000)}0]}}`,
    status: 400,
    code: 'REQUEST_INVALID',
  });
  out.push({
    name: '10,001 sql params',
    body: exportBody({ query: { kind: 'sql', sql: 'SELECT 1', params: Array(10_001).fill(1) } }),
    status: 400,
    code: 'REQUEST_INVALID',
    field: 'query.params',
  });
  out.push({
    name: '201 filters',
    body: withQuery({ filters: Array.from({ length: 201 }, () => ({ column: 'c', op: 'is_null' })) }),
    status: 400,
    code: 'REQUEST_INVALID',
    field: 'query.filters',
  });
  out.push({
    name: '2,001 columns',
    body: withQuery({ columns: Array.from({ length: 2001 }, (_, i) => `c${i}`) }),
    status: 400,
    code: 'REQUEST_INVALID',
    field: 'query.columns',
  });
  out.push({
    name: 'a 257-character table name',
    body: withQuery({ table: 't'.repeat(257) }),
    status: 400,
    code: 'REQUEST_INVALID',
    field: 'query.table',
  });
  // Over the byte cap: 413 with its code, before the token is looked at (the quiet user's bucket stays empty).
  out.push({
    name: '1 MiB + 1 byte',
    token: 'quiet',
    body: `{"format":"${'x'.repeat(1024 * 1024 - 12)}"}`,
    status: 413,
    code: 'REQUEST_TOO_LARGE',
  });
  out.push({
    name: '2 MiB of whitespace',
    token: 'quiet',
    body: ' '.repeat(2 * 1024 * 1024) + '{}',
    status: 413,
    code: 'REQUEST_TOO_LARGE',
  });
  out.push({
    name: '2 MiB to the CSV generator',
    token: 'quiet',
    path: '/v1/csv-generator',
    body: `{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`,
    status: 413,
    code: 'REQUEST_TOO_LARGE',
  });
  out.push({
    name: '2 MiB with no token at all',
    token: 'none',
    body: `{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`,
    status: 413,
    code: 'REQUEST_TOO_LARGE',
  });
  return out;
}

function authCases(): HttpCase[] {
  const out: HttpCase[] = [];
  for (const token of ['none', 'revoked', 'expired'] as const)
    for (const [method, path, body] of [
      ['POST', '/v1/exports', exportBody()],
      ['POST', '/v1/csv-generator', CSV_BODY],
      ['GET', '/v1/jobs', undefined],
      ['GET', '/v1/queue', undefined],
      ['POST', '/v1/schedules', {}],
    ] as const)
      out.push({
        name: `${token} token: ${method} ${path}`,
        token,
        method,
        path,
        body,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
  const schemes: [string, string][] = [
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['Bearer without a token', 'Bearer'],
    ['Bearer and spaces', 'Bearer    '],
    ['Token scheme', 'Token slc_0000000000000000000000000000000000000000000'],
    ['Digest', 'Digest username="u"'],
    ['two tokens', 'Bearer slc_a slc_b'],
    ['a well-formed unknown token', 'Bearer slc_0000000000000000000000000000000000000000000'],
    ['a token 8 KiB long', `Bearer slc_${'a'.repeat(8192)}`],
    ['SQL in the token', "Bearer slc_' OR '1'='1"],
    ['a JWT', 'Bearer eyJhbGciOiJub25lIn0.eyJ3cyI6ImFkbWluIn0.'],
    ['a lowercase prefix', 'Bearer SLC_0000000000000000000000000000000000000000000'],
  ];
  for (const [name, authorization] of schemes)
    out.push({
      name: `wrong scheme: ${name}`,
      authorization,
      body: exportBody(),
      status: 401,
      code: 'UNAUTHENTICATED',
    });
  return out;
}

function headerCases(): HttpCase[] {
  const out: HttpCase[] = [];
  for (const [name, key, status] of [
    ['256 characters', 'k'.repeat(256), 400],
    ['8 KiB', 'k'.repeat(8192), 400],
    ['a space only', ' ', 400],
    ['non-ASCII', 'clé', 400],
    ['a tab inside', 'a\tb', 400],
  ] as [string, string, number][])
    out.push({
      name: `Idempotency-Key of ${name}`,
      headers: { 'idempotency-key': key },
      body: exportBody(),
      status,
      code: 'REQUEST_INVALID',
      field: 'Idempotency-Key',
    });
  // What fetch refuses to send, on a raw socket: Node's parser refuses it, answered as problem+json.
  const post =
    (headerLines: string, body = '{}') =>
    (token: string) =>
      `POST /v1/exports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n${headerLines}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const rawCases: [string, (t: string) => string, number][] = [
    ['LF inside Idempotency-Key', post('Idempotency-Key: a\nX-Injected: 1\r\n'), 400],
    ['CR inside Idempotency-Key', post('Idempotency-Key: a\rSet-Cookie: x\r\n'), 400],
    ['NUL inside a header', post('X-Note: a\u0000b\r\n'), 400],
    ['a header name with a space', post('Bad Header: 1\r\n'), 400],
    ['64 KiB of headers', post(`X-Pad: ${'p'.repeat(65536)}\r\n`), 431],
    [
      '1,000 small headers of 64 bytes',
      post(Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${'v'.repeat(64)}\r\n`).join('')),
      431,
    ],
    ['a request line with a space in the path', () => 'GET /v1/jobs/a b HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['Content-Length and chunked together', post('Transfer-Encoding: chunked\r\n'), 400],
    [
      'a negative Content-Length',
      () => 'POST /v1/exports HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      400,
    ],
    [
      'two different Content-Lengths',
      () => 'POST /v1/exports HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      400,
    ],
  ];
  for (const [name, raw, status] of rawCases)
    out.push({ name: `raw: ${name}`, raw, status, code: 'REQUEST_INVALID' });
  return out;
}

const CASES: HttpCase[] = [
  ...malformedCases(),
  ...wrongTypeCases(),
  ...unicodeCases(),
  ...traversalCases(),
  ...csvGeneratorCases(),
  ...authCases(),
  ...headerCases(),
];

/** A raw HTTP/1.1 exchange; the answer read until the server closes or one whole response arrived. */
function rawExchange(url: string, text: string): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = all.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
      let problem = {};
      try {
        problem = JSON.parse(body);
      } catch {
        /* asserted by the caller */
      }
      resolve({ status, contentType, problem });
    });
    // Written, not ended: a half-closed client can lose its answer; every case makes the server close.
    socket.write(text);
  });
}

/** A POST that streams `body` in 64 KiB writes, as curl does, and reads the answer. */
export function streamingPost(url: string, body: Buffer, headers: Record<string, string>) {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            contentType: String(res.headers['content-type']),
            problem: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    let offset = 0;
    const pump = () => {
      while (offset < body.length) {
        const next = body.subarray(offset, offset + 65536);
        offset += next.length;
        if (!req.write(next)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe(`HTTP abuse corpus (${CASES.length} cases)`, () => {
  const run = randomUUID().slice(0, 8);
  const ws = `abuse-${run}`;
  const wsOther = `abuse-other-${run}`;
  const tokens = {} as Record<Exclude<TokenName, 'none'>, string>;
  let otherJob: string;
  let pool: pg.Pool;
  let api: ApiService;

  beforeAll(async () => {
    const infra = inject('infra');
    pool = new pg.Pool({ connectionString: infra.DATABASE_URL, max: 4 });
    await migrateAuthStore(pool);
    const store = new TokenStore(pool);
    tokens.member = (await store.create({ workspaceId: ws, userId: 'member', kind: 'interactive' })).token;
    tokens.quiet = (await store.create({ workspaceId: ws, userId: 'quiet', kind: 'interactive' })).token;
    const revoked = await store.create({
      workspaceId: ws,
      userId: 'gone',
      kind: 'interactive',
      role: 'admin',
    });
    await store.revoke(revoked.id);
    tokens.revoked = revoked.token;
    tokens.expired = (
      await store.create({
        workspaceId: ws,
        userId: 'late',
        kind: 'interactive',
        role: 'admin',
        expiresAt: new Date(Date.now() - 1000),
      })
    ).token;
    tokens.other = (
      await store.create({ workspaceId: wsOther, userId: 'owner', kind: 'interactive', role: 'admin' })
    ).token;
    const generous = { ...RatePolicies.interactive, capacity: 100_000, refillTokens: 100_000 };
    api = await startTestApi({
      reportSource: 'pg',
      sources: [{ name: 'pg', url: infra.DATABASE_URL, grant: OPEN_GRANT }],
      ratePolicies: { interactive: generous, api: RatePolicies.api },
    });
    // One job of another workspace, for the cross-workspace cases (no worker runs: it stays queued).
    const made = await fetch(`${api.url}/v1/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.other}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'pg', query: { kind: 'sql', sql: 'SELECT 1 AS n' }, format: 'csv' }),
    });
    expect(made.status).toBe(202);
    otherJob = (await made.json()).job_id;
  });

  afterAll(async () => {
    await api?.stop();
    await pool?.end();
  });

  const send = async (c: HttpCase): Promise<Answer> => {
    const token = c.token ?? 'member';
    if (c.raw) return rawExchange(api.url, c.raw(token === 'none' ? '' : tokens[token]));
    const body =
      c.body === undefined
        ? undefined
        : typeof c.body === 'string' || Buffer.isBuffer(c.body)
          ? c.body
          : JSON.stringify(c.body);
    const res = await fetch(`${api.url}${c.path ?? '/v1/exports'}`, {
      method: c.method ?? 'POST',
      headers: {
        ...(c.authorization !== undefined
          ? { authorization: c.authorization }
          : token === 'none'
            ? {}
            : { authorization: `Bearer ${tokens[token]}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...c.headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
    });
    const text = await res.text();
    let problem = {};
    try {
      problem = JSON.parse(text);
    } catch {
      /* asserted below */
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', problem };
  };

  const count = async (sql: string, params: unknown[]) => Number((await pool.query(sql, params)).rows[0].n);
  /** Everything a request could have left behind in the workspace. */
  const footprint = async () => ({
    jobs: await count('SELECT count(*) AS n FROM sluice_jobs WHERE workspace_id = $1', [ws]),
    idempotency: await count('SELECT count(*) AS n FROM sluice_idempotency_keys WHERE workspace_id = $1', [
      ws,
    ]),
    schedules: await count('SELECT count(*) AS n FROM sluice_schedules WHERE workspace_id = $1', [ws]),
    links: await count('SELECT count(*) AS n FROM sluice_shared_links WHERE workspace_id = $1', [ws]),
    quietBucket: await count('SELECT count(*) AS n FROM sluice_rate_buckets WHERE bucket_key LIKE $1', [
      `%:${ws}:quiet`,
    ]),
  });
  const NOTHING = { jobs: 0, idempotency: 0, schedules: 0, links: 0, quietBucket: 0 };

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const answer = await send(c);
    expect(answer.status, JSON.stringify(answer.problem)).toBe(c.status);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.problem).toMatchObject({ status: c.status, code: c.code });
    if (c.field) expect(answer.problem.errors?.map((e) => e.field)).toContain(c.field);
    expect(await footprint()).toEqual(NOTHING);
  });

  it("another workspace's job: invisible and untouchable with this workspace's token", async () => {
    for (const [method, path] of [
      ['GET', `/v1/jobs/${otherJob}`],
      ['GET', `/v1/jobs/${otherJob}/result`],
      ['DELETE', `/v1/jobs/${otherJob}`],
    ] as const) {
      const answer = await send({ name: '', method, path, status: 404, code: 'JOB_NOT_FOUND' });
      expect(answer.problem).toMatchObject({ status: 404, code: 'JOB_NOT_FOUND' });
    }
    const { rows } = await pool.query('SELECT status FROM sluice_jobs WHERE job_id = $1', [otherJob]);
    expect(rows[0].status).toBe('queued');
    expect(await footprint()).toEqual(NOTHING);
  });

  it('a 10 MB body gets 413 problem+json, streamed by a real client, with and without a token; nothing spent', async () => {
    const big = Buffer.from(
      JSON.stringify({
        source: 'pg',
        format: 'csv',
        query: { kind: 'sql', sql: 'x'.repeat(10 * 1024 * 1024) },
      }),
    );
    for (const auth of [`Bearer ${tokens.quiet}`, 'Bearer slc_unknown', undefined]) {
      const headers = { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) };
      const streamed = await streamingPost(`${api.url}/v1/exports`, big, headers);
      expect(streamed).toMatchObject({ status: 413, problem: { status: 413, code: 'REQUEST_TOO_LARGE' } });
      expect(streamed.contentType).toContain('application/problem+json');
      const fetched = await fetch(`${api.url}/v1/exports`, {
        method: 'POST',
        headers,
        body: new Uint8Array(big),
      });
      expect(fetched.status).toBe(413);
      expect(await fetched.json()).toMatchObject({ code: 'REQUEST_TOO_LARGE' });
    }
    // Chunked: no Content-Length to refuse up front; counted while read, then the rest is drained.
    const chunked = await fetch(`${api.url}/v1/exports`, {
      method: 'POST',
      duplex: 'half',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.member}` },
      body: new Blob([new Uint8Array(big)]).stream(),
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ code: 'REQUEST_TOO_LARGE' });
    expect(await footprint()).toEqual(NOTHING);
  });

  it('left no object under the workspace prefix', async () => {
    const listed = await testS3Client().send(
      new ListObjectsV2Command({ Bucket: s3Settings().bucket, Prefix: `exports/${ws}/` }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  });
});
