import type { z } from 'zod';
import { SluiceError } from '../core/errors.ts';

export interface FieldError {
  field: string;
  rule: string;
}

/**
 * Parses a public body with its zod contract; a failure is REQUEST_INVALID whose message and
 * `details.errors` name every offending field (`metricRequests.0.entityType`), the same shape the HTTP
 * layer turns into a problem's `errors`. An unrecognised key is named itself, not its parent object.
 */
export function parseContract<S extends z.ZodType>(
  schema: S,
  body: unknown,
  prefix: string[] = [],
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors: FieldError[] = [];
  for (const issue of result.error.issues) {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({ field: [...path, key].join('.'), rule: 'unrecognized field' });
    } else {
      errors.push({ field: path.join('.') || '(body)', rule: issue.message });
    }
  }
  throw invalidFields(errors);
}

export function invalidFields(errors: FieldError[]): SluiceError {
  return new SluiceError('REQUEST_INVALID', errors.map((e) => `${e.field}: ${e.rule}`).join('; '), {
    details: { errors },
  });
}
