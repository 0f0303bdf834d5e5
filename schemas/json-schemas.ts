import { z } from 'zod';
import { ExportCompletedSchema, ExportFailedSchema } from './export-outcome.ts';
import { CsvGeneratorBodySchema } from './csv-generator.ts';
import { ExportRequestedSchema } from './export-requested.ts';
import { MetricRequestSchema } from './metric-request.ts';

/**
 * The contracts as JSON Schema (draft 2020-12) for teams that produce or consume without TypeScript. The
 * files in schemas/json/ are generated from the zod schemas (`npx tsx schemas/json-schemas.ts --write`) and
 * a unit test fails when they drift.
 */
export const CONTRACTS = {
  'export-requested.v1.schema.json': ExportRequestedSchema,
  'export-completed.v1.schema.json': ExportCompletedSchema,
  'export-failed.v1.schema.json': ExportFailedSchema,
  'metric-request.v1.schema.json': MetricRequestSchema,
  'csv-generator.v1.schema.json': CsvGeneratorBodySchema,
} as const;

export function renderJsonSchemas(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(CONTRACTS).map(([file, schema]) => [
      file,
      JSON.stringify({ $id: `https://sluice.dev/schemas/${file}`, ...z.toJSONSchema(schema) }, null, 2) +
        '\n',
    ]),
  );
}

if (process.argv.includes('--write')) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = new URL('./json/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(renderJsonSchemas())) writeFileSync(new URL(file, dir), text);
}
