import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../core/errors.ts';
import { decodeRequest } from '../../consumers/export-worker/decode-request.ts';
import { parseExportBody } from '../../producers/http/routes-exports.ts';

/** Whatever a caller sends, a validator answers with a coded SluiceError or a value: never anything else. */
function outcome(run: () => unknown): 'ok' | string {
  try {
    run();
    return 'ok';
  } catch (err) {
    if (isSluiceError(err)) return err.code;
    throw err;
  }
}

const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
const validBody = fc.record(
  {
    source: fc.stringMatching(/^[a-z0-9_]{1,64}$/),
    format: fc.constantFrom('csv', 'ndjson', 'json', 'parquet', 'arrow', 'sql'),
    query: fc.oneof(
      fc.record(
        {
          kind: fc.constant('table' as const),
          table: identifier,
          columns: fc.array(identifier, { minLength: 1, maxLength: 5 }),
          filters: fc.array(
            fc.record({
              column: identifier,
              op: fc.constantFrom('eq', 'ne', 'lt', 'gte', 'is_null'),
              value: fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean(), fc.constant(null)),
            }),
            { maxLength: 4 },
          ),
          limit: fc.nat(),
        },
        { requiredKeys: ['kind', 'table'] },
      ),
      fc.record({ kind: fc.constant('sql' as const), sql: fc.string({ minLength: 1, maxLength: 200 }) }),
    ),
    urlTtlSeconds: fc.integer({ min: 60, max: 604_800 }),
    requestId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
  },
  { requiredKeys: ['source', 'format', 'query'] },
);

describe('request validators, by property', () => {
  it('any JSON value: parseExportBody accepts it or throws a coded REQUEST_INVALID, nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(['ok', 'REQUEST_INVALID']).toContain(outcome(() => parseExportBody(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('any JSON object with hostile keys (__proto__, constructor) is refused with a code, never crashes', () => {
    const hostile = fc.dictionary(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'version', 'workspaceId', 'recipient', 'x'),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(hostile, (value) => {
        expect(['ok', 'REQUEST_INVALID']).toContain(outcome(() => parseExportBody(value)));
      }),
    );
  });

  it('valid generated requests are accepted as they were written', () => {
    fc.assert(
      fc.property(validBody, (body) => {
        const parsed = parseExportBody(structuredClone(body));
        expect(parsed).toEqual(body);
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes: decodeRequest names a kind and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const decoded = decodeRequest(Buffer.from(bytes));
        expect(['request', 'invalid', 'malformed']).toContain(decoded.kind);
      }),
      { numRuns: 500 },
    );
  });

  it('any JSON text: decodeRequest never throws; a malformed answer always carries a reason', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const decoded = decodeRequest(Buffer.from(text));
        if (decoded.kind === 'malformed') expect(decoded.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('a valid request with any one field replaced by any JSON value still decodes to a kind', () => {
    const base = {
      version: 1,
      requestId: 'r1',
      workspaceId: 'ws',
      requestedBy: 'a@b',
      source: 'pg',
      query: { kind: 'table', table: 't' },
      format: 'csv',
    };
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(base)), fc.jsonValue(), (field, value) => {
        const decoded = decodeRequest(Buffer.from(JSON.stringify({ ...base, [field]: value })));
        expect(['request', 'invalid', 'malformed']).toContain(decoded.kind);
      }),
      { numRuns: 500 },
    );
  });
});
