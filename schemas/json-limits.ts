/**
 * Limits every request body meets before any schema, hash or database sees it. They are about the bytes,
 * not the meaning: PostgreSQL's jsonb refuses `\u0000` and lone surrogates (so a job row could never be
 * written, and a Kafka record would be retried forever), and a recursive walk over a body nested 20,000
 * deep overflows the stack. The walk here is iterative, so the check itself cannot.
 */
export interface JsonLimits {
  /** Objects and arrays inside one another; real requests nest fewer than 10 deep. */
  maxDepth: number;
  /** Any one string, keys included. */
  maxStringLength: number;
  /** Values in the whole document (objects, arrays and scalars). */
  maxNodes: number;
}

export const REQUEST_JSON_LIMITS: JsonLimits = {
  maxDepth: 32,
  maxStringLength: 1_000_000,
  maxNodes: 200_000,
};

export interface JsonLimitViolation {
  /** Dotted path of the offending value (`query.filters.0.value`), `(body)` for the document itself. */
  field: string;
  rule: string;
}

/** The first violation in `value`, walking depth-first without recursion; undefined when it is clean. */
export function findJsonLimitViolation(
  value: unknown,
  limits: JsonLimits = REQUEST_JSON_LIMITS,
): JsonLimitViolation | undefined {
  const stack: { value: unknown; path: string[]; depth: number }[] = [{ value, path: [], depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (++nodes > limits.maxNodes) {
      return { field: '(body)', rule: `at most ${limits.maxNodes} values in one request` };
    }
    if (typeof v === 'string') {
      const rule = stringRule(v, limits);
      if (rule) return { field: fieldOf(path), rule };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limits.maxDepth) {
      return { field: fieldOf(path), rule: `nested at most ${limits.maxDepth} levels deep` };
    }
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((item, i) => [String(i), item])
      : Object.entries(v as Record<string, unknown>);
    for (const [key, item] of entries) {
      if (!Array.isArray(v)) {
        const rule = stringRule(key, limits);
        if (rule) return { field: fieldOf([...path, key]), rule: `its name: ${rule}` };
      }
      stack.push({ value: item, path: [...path, key], depth: depth + 1 });
    }
  }
  return undefined;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function stringRule(s: string, limits: JsonLimits): string | undefined {
  if (s.length > limits.maxStringLength) return `at most ${limits.maxStringLength} characters`;
  if (s.includes('\u0000')) return 'must not contain NUL (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (no lone surrogate such as \\ud800)';
  return undefined;
}

function fieldOf(path: string[]): string {
  // A hostile key is quoted back in the message: shown printable, and not at any length.
  return path.length === 0
    ? '(body)'
    : path.map((p) => JSON.stringify(p).slice(1, -1).slice(0, 64)).join('.');
}
