import { SluiceError } from '../../core/errors.ts';
import type { Filter, FilterOp, OrderBy } from '../../dialects/source.ts';

const SYMBOLS: Record<string, FilterOp> = {
  '=': 'eq',
  '==': 'eq',
  '!=': 'ne',
  '<>': 'ne',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};
const WORDS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'is_null', 'is_not_null'] as const;

/**
 * `--where` as the Kafka contract's `filters`: `column op value`, where op is one of the contract's
 * (`eq ne lt lte gt gte in not_in is_null is_not_null`) or `= != < <= > >=`; `in` and `not_in` take a
 * comma-separated list. Values are bound as text, never written into the SQL; the column is checked against
 * the table like any other name.
 */
export function parseWhere(text: string): Filter {
  const symbol = /^\s*([^\s=<>!]+)\s*(<=|>=|<>|!=|==|=|<|>)\s*(.*?)\s*$/s.exec(text);
  if (symbol) return { column: symbol[1]!, op: SYMBOLS[symbol[2]!]!, value: symbol[3]! };
  const word = /^\s*(\S+)\s+(not\s+in|is\s+not\s+null|is\s+null|\w+)(?:\s+(.*?))?\s*$/is.exec(text);
  const op = word?.[2]!.toLowerCase().replace(/\s+/g, '_') as FilterOp | undefined;
  if (!word || !op || !(WORDS as readonly string[]).includes(op)) {
    throw new SluiceError(
      'USAGE',
      `--where ${JSON.stringify(text)}: expected "column op value" with op one of ${WORDS.join(', ')}, = != < <= > >=`,
    );
  }
  const rest = word[3];
  if (op === 'is_null' || op === 'is_not_null') {
    if (rest) throw new SluiceError('USAGE', `--where ${JSON.stringify(text)}: ${op} takes no value`);
    return { column: word[1]!, op };
  }
  if (rest === undefined || rest === '') {
    throw new SluiceError('USAGE', `--where ${JSON.stringify(text)}: ${op} needs a value`);
  }
  if (op === 'in' || op === 'not_in') {
    return { column: word[1]!, op, value: rest.split(',').map((v) => v.trim()) };
  }
  return { column: word[1]!, op, value: rest };
}

/** `--order-by id,placed_at:desc` as the contract's `orderBy`. */
export function parseOrderBy(text: string): OrderBy[] {
  return text.split(',').map((part) => {
    const m = /^\s*([^:\s]+)\s*(?::\s*(asc|desc))?\s*$/i.exec(part);
    if (!m) {
      throw new SluiceError('USAGE', `--order-by ${JSON.stringify(text)}: expected column[:asc|desc],…`);
    }
    return { column: m[1]!, direction: (m[2]?.toLowerCase() ?? 'asc') as 'asc' | 'desc' };
  });
}

/** A whole number written as digits only: `10`, not `1e1`, `0x10`, `10.0` or `10abc`. */
export function parseCount(flag: string, text: string, { min = 1 }: { min?: number } = {}): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new SluiceError('USAGE', `${flag} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return n;
}
