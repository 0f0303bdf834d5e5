import { describe, expect, it } from 'vitest';
import type { Column } from '../../schemas/column.ts';
import {
  logicalColumn,
  nativeFromField,
  nativeFromInformationSchema,
  refineWithInformationSchema,
  type FieldLike,
  type InformationSchemaColumn,
} from '../../dialects/mysql/types.ts';

// Column definition packets and information_schema rows as MariaDB 10.11 sends them for the same columns
// (captured from the real server), and the logical column both must map to.
interface Case {
  ddl: string;
  field: Omit<FieldLike, 'name'>;
  info: Omit<InformationSchemaColumn, 'name' | 'nullable'>;
  column: Omit<Column, 'name' | 'nullable' | 'nativeType'>;
  /** When information_schema alone cannot tell (the packet decides for streams). */
  fromInfoOnly?: Column['type'];
}

const f = (columnType: number, flags: number, columnLength: number, decimals = 0, characterSet = 63) => ({
  columnType,
  flags,
  columnLength,
  decimals,
  characterSet,
});
const i = (
  dataType: string,
  columnType: string,
  numericPrecision: number | null = null,
  numericScale: number | null = null,
) => ({
  dataType,
  columnType,
  numericPrecision,
  numericScale,
});

const cases: Case[] = [
  { ddl: 'TINYINT', field: f(1, 0, 4), info: i('tinyint', 'tinyint(4)', 3, 0), column: { type: 'int32' } },
  {
    ddl: 'TINYINT(1)',
    field: f(1, 0, 1),
    info: i('tinyint', 'tinyint(1)', 3, 0),
    column: { type: 'boolean' },
  },
  {
    ddl: 'SMALLINT UNSIGNED',
    field: f(2, 32, 5),
    info: i('smallint', 'smallint(5) unsigned', 5, 0),
    column: { type: 'int32' },
  },
  {
    ddl: 'MEDIUMINT',
    field: f(9, 0, 9),
    info: i('mediumint', 'mediumint(9)', 7, 0),
    column: { type: 'int32' },
  },
  { ddl: 'INT', field: f(3, 0, 11), info: i('int', 'int(11)', 10, 0), column: { type: 'int32' } },
  {
    ddl: 'INT UNSIGNED',
    field: f(3, 32, 10),
    info: i('int', 'int(10) unsigned', 10, 0),
    column: { type: 'int64' },
  },
  { ddl: 'BIGINT', field: f(8, 0, 20), info: i('bigint', 'bigint(20)', 19, 0), column: { type: 'int64' } },
  {
    ddl: 'BIGINT UNSIGNED',
    field: f(8, 32, 20),
    info: i('bigint', 'bigint(20) unsigned', 20, 0),
    column: { type: 'decimal', precision: 20, scale: 0 },
  },
  {
    ddl: 'DECIMAL(38,10)',
    field: f(246, 0, 40, 10),
    info: i('decimal', 'decimal(38,10)', 38, 10),
    column: { type: 'decimal', precision: 38, scale: 10 },
  },
  {
    ddl: 'DECIMAL(5,2) UNSIGNED',
    field: f(246, 32, 6, 2),
    info: i('decimal', 'decimal(5,2) unsigned', 5, 2),
    column: { type: 'decimal', precision: 5, scale: 2 },
  },
  {
    ddl: 'DECIMAL(10)',
    field: f(246, 0, 11, 0),
    info: i('decimal', 'decimal(10,0)', 10, 0),
    column: { type: 'decimal', precision: 10, scale: 0 },
  },
  { ddl: 'FLOAT', field: f(4, 0, 12, 31), info: i('float', 'float', 12), column: { type: 'float64' } },
  { ddl: 'DOUBLE', field: f(5, 0, 22, 31), info: i('double', 'double', 22), column: { type: 'float64' } },
  {
    ddl: 'VARCHAR(20)',
    field: f(253, 0, 80, 0, 45),
    info: i('varchar', 'varchar(20)'),
    column: { type: 'string' },
  },
  { ddl: 'TEXT', field: f(252, 16, 262140, 0, 45), info: i('text', 'text'), column: { type: 'string' } },
  {
    ddl: "ENUM('a','b')",
    field: f(254, 256, 4, 0, 45),
    info: i('enum', "enum('a','b')"),
    column: { type: 'string' },
  },
  {
    ddl: "SET('x','y')",
    field: f(254, 2048, 12, 0, 45),
    info: i('set', "set('x','y')"),
    column: { type: 'string' },
  },
  { ddl: 'BINARY(4)', field: f(254, 128, 4), info: i('binary', 'binary(4)'), column: { type: 'binary' } },
  {
    ddl: 'VARBINARY(10)',
    field: f(253, 128, 10),
    info: i('varbinary', 'varbinary(10)'),
    column: { type: 'binary' },
  },
  { ddl: 'BLOB', field: f(252, 144, 65535), info: i('blob', 'blob'), column: { type: 'binary' } },
  { ddl: 'BIT(1)', field: f(16, 32, 1), info: i('bit', 'bit(1)', 1), column: { type: 'boolean' } },
  { ddl: 'BIT(12)', field: f(16, 32, 12), info: i('bit', 'bit(12)', 12), column: { type: 'int64' } },
  {
    ddl: 'BIT(64)',
    field: f(16, 32, 64),
    info: i('bit', 'bit(64)', 64),
    column: { type: 'decimal', precision: 20, scale: 0 },
  },
  { ddl: 'DATE', field: f(10, 128, 10), info: i('date', 'date'), column: { type: 'date' } },
  {
    ddl: 'DATETIME(6)',
    field: f(12, 128, 26, 6),
    info: i('datetime', 'datetime(6)'),
    column: { type: 'timestamp' },
  },
  {
    ddl: 'TIMESTAMP(3)',
    field: f(7, 160, 23, 3),
    info: i('timestamp', 'timestamp(3)'),
    column: { type: 'timestamptz' },
  },
  { ddl: 'TIME(2)', field: f(11, 128, 13, 2), info: i('time', 'time(2)'), column: { type: 'string' } },
  { ddl: 'YEAR', field: f(13, 96, 4), info: i('year', 'year(4)'), column: { type: 'int32' } },
  {
    ddl: 'JSON (MariaDB: LONGTEXT + extended metadata)',
    field: { ...f(252, 144, 4294967295, 0, 45), extendedFormat: 'json' },
    info: i('longtext', 'longtext'),
    column: { type: 'json' },
    fromInfoOnly: 'string', // MariaDB's information_schema says LONGTEXT; only a CHECK (json_valid) hints more
  },
  { ddl: 'JSON (MySQL)', field: f(245, 144, 4294967295), info: i('json', 'json'), column: { type: 'json' } },
  {
    ddl: 'UUID',
    field: { ...f(254, 160, 144, 0, 45), extendedTypeName: 'uuid' },
    info: i('uuid', 'uuid'),
    column: { type: 'uuid' },
  },
  {
    ddl: 'INET6',
    field: { ...f(254, 160, 156, 0, 45), extendedTypeName: 'inet6' },
    info: i('inet6', 'inet6'),
    column: { type: 'string' },
  },
  {
    ddl: 'POINT',
    field: { ...f(255, 144, 4294967295), extendedTypeName: 'point' },
    info: i('point', 'point'),
    column: { type: 'binary' },
  },
];

describe('MySQL column types', () => {
  for (const c of cases) {
    it(`${c.ddl} → ${c.column.type}, from the packet and from information_schema alike`, () => {
      const fromPacket = logicalColumn(nativeFromField({ name: 'c', ...c.field }));
      const fromInfo = logicalColumn(nativeFromInformationSchema({ name: 'c', nullable: true, ...c.info }));
      expect(fromPacket).toMatchObject({ name: 'c', ...c.column });
      if (c.fromInfoOnly) {
        expect(fromInfo.type).toBe(c.fromInfoOnly);
        return;
      }
      expect(fromInfo).toMatchObject({ name: 'c', ...c.column });
      expect({ ...fromPacket, nativeType: undefined }).toStrictEqual({ ...fromInfo, nativeType: undefined });
    });
  }

  it('reads NOT NULL from the packet, but temporal columns stay nullable (zero dates arrive as null)', () => {
    expect(logicalColumn(nativeFromField({ name: 'n', ...f(3, 1, 11) })).nullable).toBe(false);
    expect(logicalColumn(nativeFromField({ name: 'd', ...f(10, 1 | 128, 10) })).nullable).toBe(true);
  });

  it('names the native type from the packet for raw SQL, from information_schema for tables', () => {
    const packet = nativeFromField({ name: 'd', ...f(246, 32, 6, 2) });
    expect(packet.nativeType).toBe('decimal(5,2) unsigned');
    const info = nativeFromInformationSchema({
      name: 'd',
      nullable: true,
      ...i('decimal', 'decimal(5,2) unsigned zerofill', 5, 2),
    });
    expect(logicalColumn(refineWithInformationSchema(packet, info)).nativeType).toBe(
      'decimal(5,2) unsigned zerofill',
    );
  });

  it('a NULL literal column is a string column', () => {
    expect(logicalColumn(nativeFromField({ name: 'x', ...f(6, 128, 0) }))).toMatchObject({ type: 'string' });
  });
});
