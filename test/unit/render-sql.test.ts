import { describe, expect, it } from 'vitest';
import { renderSql } from '../../encoders/sql/render-sql.ts';

describe('sql format', () => {
  it('writes the statement exactly as it runs, with bound values only in a comment', () => {
    const text = renderSql({
      dialect: 'postgres',
      compiled: { sql: 'SELECT "a" FROM "t" WHERE "b" = $1', params: ["O'Brien", 5n] },
      comment: 'job exp_1',
    });
    expect(text).toBe(
      '-- dialect: postgres\n-- job exp_1\n-- bound parameters, in order: ["O\'Brien","5"]\nSELECT "a" FROM "t" WHERE "b" = $1;\n',
    );
  });
});
