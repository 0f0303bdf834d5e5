/**
 * Built-in type OIDs, fixed by PostgreSQL's catalog (`pg_type.dat`) in every version we support. Types that
 * extensions or users create (citext, enums, domains, arrays of them) have per-database OIDs and are looked
 * up in `pg_type` instead.
 */
export const Oid = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  unknown: 705,
  money: 790,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;
