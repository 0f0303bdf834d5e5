import { OPEN_GRANT, type SourceGrant } from '../../security/source-grants.ts';

export { OPEN_GRANT };

/** Every workspace and ordinary table, but no raw SQL: a source that only serves table exports. */
export const TABLES_ONLY_GRANT: SourceGrant = { ...OPEN_GRANT, rawSql: [] };
