import { z } from 'zod';
import { parseContract } from '../schemas/parse-contract.ts';

/**
 * The seed's action envelope around the CSV generator's body (`POST /v1/actions`):
 * `{ "action": "external-service", "data": { "id", "route": "external-service/csv-generator", "body" } }`.
 * The body is validated by generateCsv; here only the envelope.
 */
export const CsvGeneratorActionSchema = z.strictObject({
  action: z.literal('external-service'),
  data: z.strictObject({
    /** Echoed at the head of the answer line, so no `|`, quote or line break can forge one. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
      message: '1–128 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit',
    }),
    route: z.literal('external-service/csv-generator'),
    body: z.unknown(),
  }),
});

export function parseCsvGeneratorAction(envelope: unknown): { id: string; body: unknown } {
  const { data } = parseContract(CsvGeneratorActionSchema, envelope);
  return { id: data.id, body: data.body };
}

export interface StoredCsv {
  bucket: string;
  key: string;
  signedUrl: string;
}

/** The seed's answer line: `req-csv-001|0|0|{"body":[{"bucket","key","signedUrl"}]}`. */
export function formatActionResponse(id: string, stored: StoredCsv[]): string {
  return `${id}|0|0|${JSON.stringify({ body: stored.map(({ bucket, key, signedUrl }) => ({ bucket, key, signedUrl })) })}`;
}
