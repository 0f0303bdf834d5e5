import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJsonSchemas } from '../../schemas/json-schemas.ts';

describe('published JSON Schemas', () => {
  for (const [file, text] of Object.entries(renderJsonSchemas())) {
    it(`${file} matches the zod contract (regenerate: npx tsx schemas/json-schemas.ts --write)`, () => {
      expect(readFileSync(new URL(`../../schemas/json/${file}`, import.meta.url), 'utf8')).toBe(text);
    });
  }
});
