import type { Column } from '../../schemas/column.ts';

/**
 * The `json` format is one document, written front to back without ever holding it:
 *
 *     {"schema":{"columns":[{"name":"id","type":"int64","nativeType":"INTEGER"},…]},"rows":[
 *     {"id":"1",…},
 *     {"id":"2",…}
 *     ]}
 *
 * The head goes out with the first bytes, each row is one line (a `,` ends every line but the last row's,
 * which is why a row is prefixed rather than suffixed: the last row is only known at the end), and the tail
 * closes the array and the object. Rows use the ndjson mapping (encoders/ndjson/encode-json-row.ts), so the
 * schema's `type` tells a reader which JSON strings hold int64 or decimal digits.
 */
export function encodeDocumentHead(columns: Column[]): string {
  const described = columns.map(({ name, type, nativeType, nullable, precision, scale }) => ({
    name,
    type,
    nativeType,
    nullable,
    precision,
    scale,
  }));
  // JSON.stringify drops the undefined members, so absent facts stay absent rather than null.
  return `{"schema":${JSON.stringify({ columns: described })},"rows":[`;
}

export const FIRST_ROW_PREFIX = '\n';
export const NEXT_ROW_PREFIX = ',\n';
export const DOCUMENT_TAIL = '\n]}\n';
