import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../consumers/export-worker/decode-request.ts';

const valid = {
  version: 1,
  requestId: 'r-1',
  workspaceId: 'ws_1',
  requestedBy: 'ana@example.com',
  source: 'warehouse',
  query: {
    kind: 'table',
    table: 'public.events',
    columns: ['id'],
    filters: [{ column: 'id', op: 'gt', value: 3 }],
  },
  format: 'csv',
};
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeRequest', () => {
  it('accepts a valid v1 request', () => {
    const d = decodeRequest(bytes(valid));
    expect(d.kind).toBe('request');
  });

  const malformed: [string, Buffer | null, RegExp][] = [
    ['no value', null, /empty/],
    ['not JSON', bytes('{"version":1,'), /not JSON/],
    ['JSON but not an object', bytes('[1,2]'), /not a JSON object/],
    ['no requestId', bytes({ ...valid, requestId: undefined }), /no valid workspaceId and requestId/],
    [
      'workspace id that would escape an object key',
      bytes({ ...valid, workspaceId: '../other' }),
      /workspaceId/,
    ],
    ['a future version', bytes({ ...valid, version: 2 }), /unsupported request version 2/],
  ];
  for (const [name, value, reason] of malformed) {
    it(`sets aside ${name} as malformed`, () => {
      const d = decodeRequest(value);
      expect(d.kind).toBe('malformed');
      expect(d.kind === 'malformed' && d.reason).toMatch(reason);
    });
  }

  const invalid: [string, object, RegExp][] = [
    ['a missing field', { ...valid, requestedBy: undefined }, /requestedBy/],
    ['an unknown field', { ...valid, colour: 'blue' }, /colour/],
    ['a bad query kind', { ...valid, query: { kind: 'graph' } }, /query/],
    [
      'a bad filter operator',
      { ...valid, query: { ...valid.query, filters: [{ column: 'a', op: 'like', value: 'x' }] } },
      /query.filters.0.op/,
    ],
    ['a delimiter of two characters', { ...valid, options: { delimiter: ';;' } }, /options.delimiter/],
    ['a part size below S3 minimum', { ...valid, options: { partSizeMiB: 1 } }, /options.partSizeMiB/],
    // What a worker can afford: 5 parts of 5 GiB would be 25 GiB of memory for one export.
    [
      'a part size above the 64 MiB cap',
      { ...valid, options: { partSizeMiB: 5_120 } },
      /options.partSizeMiB/,
    ],
    ['a file per row', { ...valid, options: { maxRowsPerFile: 1 } }, /options.maxRowsPerFile/],
    ['an upper-case source name', { ...valid, source: 'Warehouse' }, /source/],
  ];
  for (const [name, body, message] of invalid) {
    it(`answers ${name} as an invalid request naming the field`, () => {
      const d = decodeRequest(bytes(body));
      expect(d).toMatchObject({ kind: 'invalid', workspaceId: 'ws_1', requestId: 'r-1' });
      expect(d.kind === 'invalid' && d.message).toMatch(message);
    });
  }
});
