import { describe, expect, it } from 'vitest';
import { splitTableName } from '../../dialects/mysql/describe.ts';
import { mysqlDialect, quoteIdent } from '../../dialects/mysql/dialect.ts';
import { toSluiceError } from '../../dialects/mysql/errors.ts';
import { withoutNoBackslashEscapes } from '../../dialects/mysql/session.ts';
import { compileTableSelect } from '../../dialects/table-select.ts';

describe('MySQL dialect', () => {
  it('quotes identifiers in backticks, doubling any inside', () => {
    expect(quoteIdent('plain')).toBe('`plain`');
    expect(quoteIdent('we`ird')).toBe('`we``ird`');
    expect(quoteIdent('a.b "c"')).toBe('`a.b "c"`');
  });

  it('compiles a table select with ? placeholders and bound values', () => {
    const schema = {
      table: 'events',
      quotedName: '`shop`.`events`',
      resolved: { schema: 'shop', name: 'events' },
      columns: [
        { name: 'id', type: 'int32' as const },
        { name: 'name', type: 'string' as const },
      ],
    };
    expect(
      compileTableSelect(mysqlDialect, schema, {
        kind: 'table',
        table: 'events',
        filters: [
          { column: 'name', op: 'in', value: ['a', "b'c"] },
          { column: 'id', op: 'gt', value: 3 },
        ],
        orderBy: [{ column: 'id', direction: 'desc' }],
        limit: 10,
      }),
    ).toStrictEqual({
      sql: 'SELECT `id`, `name` FROM `shop`.`events` WHERE `name` IN (?, ?) AND `id` > ? ORDER BY `id` DESC LIMIT 10',
      params: ['a', "b'c", 3],
    });
  });

  it('splits db.table at the first dot', () => {
    expect(splitTableName('events')).toStrictEqual({ database: null, name: 'events' });
    expect(splitTableName('shop.events')).toStrictEqual({ database: 'shop', name: 'events' });
    expect(splitTableName('shop.a.b')).toStrictEqual({ database: 'shop', name: 'a.b' });
  });

  it('keeps the session free of NO_BACKSLASH_ESCAPES, which would break client-side escaping', () => {
    expect(withoutNoBackslashEscapes('STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES,ANSI_QUOTES')).toBe(
      'STRICT_TRANS_TABLES,ANSI_QUOTES',
    );
    expect(withoutNoBackslashEscapes('')).toBe('');
  });
});

describe('MySQL errors → sluice codes', () => {
  const server = (errno: number, sqlState = 'HY000') =>
    Object.assign(new Error(`server said ${errno}`), { errno, sqlState });
  const socket = (code: string) => Object.assign(new Error(code), { code, fatal: true });
  const cases: [string, unknown, string, boolean][] = [
    ['no such table', server(1146, '42S02'), 'TABLE_NOT_FOUND', false],
    ['unknown column', server(1054, '42S22'), 'COLUMN_NOT_FOUND', false],
    ['MariaDB max_statement_time', server(1969, '70100'), 'QUERY_TIMEOUT', false],
    ['MySQL max_execution_time', server(3024), 'QUERY_TIMEOUT', false],
    ['killed', server(1317, '70100'), 'QUERY_CANCELLED', false],
    ['syntax error', server(1064, '42000'), 'QUERY_FAILED', false],
    ['deadlock', server(1213, '40001'), 'QUERY_FAILED', true],
    ['too many connections', server(1040), 'SOURCE_UNAVAILABLE', true],
    ['access denied', server(1045, '28000'), 'SOURCE_UNAVAILABLE', false],
    ['connection refused', socket('ECONNREFUSED'), 'SOURCE_UNAVAILABLE', true],
    ['connection lost', socket('PROTOCOL_CONNECTION_LOST'), 'SOURCE_UNAVAILABLE', true],
    ['unknown host', socket('ENOTFOUND'), 'SOURCE_UNAVAILABLE', false],
    ['anything else', new TypeError('odd'), 'QUERY_FAILED', false],
  ];
  for (const [name, err, code, retriable] of cases) {
    it(`${name} → ${code}${retriable ? ' (retriable)' : ''}`, () => {
      expect(toSluiceError(err, 'doing')).toMatchObject({ code, retriable, cause: err });
    });
  }

  it('keeps errno and sqlState for whoever reads the failure', () => {
    expect(toSluiceError(server(1064, '42000'), 'running').details).toStrictEqual({
      errno: 1064,
      sqlState: '42000',
    });
  });
});
