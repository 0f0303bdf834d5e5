import { describe, expect, it } from 'vitest';
import { DatabaseError } from 'pg';
import {
  copyStatement,
  isCopyable,
  postgresDialect,
  quoteIdent,
  splitTableName,
} from '../../dialects/postgres/dialect.ts';
import { describeTarget, toSluiceError } from '../../dialects/postgres/errors.ts';
import { compileTableSelect } from '../../dialects/table-select.ts';

describe('PostgreSQL dialect', () => {
  it('quotes every identifier literally', () => {
    expect(quoteIdent('events')).toBe('"events"');
    expect(quoteIdent('Mixed Case')).toBe('"Mixed Case"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });

  it('splits schema.table at the first dot', () => {
    expect(splitTableName('events')).toEqual({ name: 'events' });
    expect(splitTableName('s.events')).toEqual({ schema: 's', name: 'events' });
    expect(splitTableName('s.my.table')).toEqual({ schema: 's', name: 'my.table' });
  });

  it('compiles a table select with $n placeholders', () => {
    const compiled = compileTableSelect(
      postgresDialect,
      {
        table: 't',
        quotedName: '"s"."t"',
        resolved: { schema: 's', name: 't' },
        columns: [
          { name: 'id', type: 'int64' },
          { name: 'we"ird', type: 'string' },
        ],
      },
      {
        kind: 'table',
        table: 't',
        filters: [
          { column: 'id', op: 'in', value: [1, 2] },
          { column: 'we"ird', op: 'eq', value: 'x' },
        ],
        orderBy: [{ column: 'id', direction: 'desc' }],
        limit: 5,
      },
    );
    expect(compiled).toEqual({
      sql: 'SELECT "id", "we""ird" FROM "s"."t" WHERE "id" IN ($1, $2) AND "we""ird" = $3 ORDER BY "id" DESC LIMIT 5',
      params: [1, 2, 'x'],
    });
  });

  it('wraps a query for COPY, surviving trailing semicolons and comments', () => {
    expect(copyStatement('SELECT 1 -- one;\n ;  ')).toBe(
      "COPY (\nSELECT 1 -- one\n) TO STDOUT (FORMAT text, ENCODING 'UTF8')",
    );
  });

  it.each([
    ['SELECT 1', true],
    ['  with x as (select 1) select * from x', true],
    ['VALUES (1)', true],
    ['TABLE t', true],
    ['-- note\n/* c */ (SELECT 1) UNION (SELECT 2)', true],
    ['SHOW TimeZone', false],
    ['EXPLAIN SELECT 1', false],
    ['selector', false],
  ])('COPY can run %j: %s', (sql, expected) => {
    expect(isCopyable(sql)).toBe(expected);
  });
});

describe('PostgreSQL errors → SluiceError', () => {
  const serverError = (code: string, message: string) => {
    const err = new DatabaseError(message, message.length, 'error');
    err.code = code;
    return err;
  };

  it.each([
    ['57014', 'canceling statement due to statement timeout', 'QUERY_TIMEOUT', false],
    ['57014', 'canceling statement due to user request', 'QUERY_CANCELLED', false],
    ['42P01', 'relation "nope" does not exist', 'TABLE_NOT_FOUND', false],
    ['42703', 'column "nope" does not exist', 'COLUMN_NOT_FOUND', false],
    ['42601', 'syntax error at or near "SELEC"', 'QUERY_FAILED', false],
    ['40001', 'could not serialize access', 'QUERY_FAILED', true],
    ['57P01', 'terminating connection due to administrator command', 'SOURCE_UNAVAILABLE', true],
    ['28P01', 'password authentication failed', 'SOURCE_UNAVAILABLE', false],
  ])('%s %s → %s', (sqlstate, message, code, retriable) => {
    const err = toSluiceError(serverError(sqlstate, message), 'db:5432/x');
    expect(err).toMatchObject({ code, retriable, details: { sqlstate } });
    expect(err.message).toContain(message);
  });

  it('connection refused is SOURCE_UNAVAILABLE and retriable, with no password in sight', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const err = toSluiceError(refused, describeTarget('postgres://u:secret@127.0.0.1:1/db'));
    expect(err).toMatchObject({ code: 'SOURCE_UNAVAILABLE', retriable: true });
    expect(err.message).toContain('127.0.0.1:1/db');
    expect(err.message).not.toContain('secret');
  });
});
