import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { applySchemaSteps } from '../core/pg-migrations.ts';

/**
 * Shared links on a report: a secret in a URL that exports the report as the link's creator sees it, with
 * the link's watermark on every PDF page and PNG. Only the sha256 of the secret is stored (256 random bits,
 * so no salt or KDF is needed); a revoked link stops working at once.
 */
const STEPS = [
  `CREATE TABLE IF NOT EXISTS sluice_shared_links (
     id            text PRIMARY KEY,
     workspace_id  text NOT NULL,
     report_id     text NOT NULL,
     created_by    text NOT NULL,
     watermark     text NOT NULL,
     token_hash    text NOT NULL UNIQUE,
     created_at    timestamptz NOT NULL DEFAULT now(),
     revoked_at    timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS sluice_shared_links_report ON sluice_shared_links (workspace_id, report_id)`,
];

export async function migrateSharedLinks(pool: pg.Pool): Promise<void> {
  await applySchemaSteps(pool, STEPS);
}

export interface SharedLink {
  id: string;
  workspaceId: string;
  reportId: string;
  createdBy: string;
  watermark: string;
  createdAt: string;
  revokedAt: string | null;
}

interface Row {
  id: string;
  workspace_id: string;
  report_id: string;
  created_by: string;
  watermark: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toLink = (r: Row): SharedLink => ({
  id: r.id,
  workspaceId: r.workspace_id,
  reportId: r.report_id,
  createdBy: r.created_by,
  watermark: r.watermark,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface SharedLinkStore {
  create(link: {
    workspaceId: string;
    reportId: string;
    createdBy: string;
    watermark: string;
  }): Promise<{ link: SharedLink; token: string }>;
  list(workspaceId: string, reportId: string): Promise<SharedLink[]>;
  /** True if a live link was revoked; false if there was none (or it was revoked already). */
  revoke(workspaceId: string, reportId: string, id: string): Promise<boolean>;
  /** The live link a token opens, if any. */
  resolve(token: string): Promise<SharedLink | undefined>;
}

export function createPgSharedLinkStore(pool: pg.Pool): SharedLinkStore {
  return {
    async create({ workspaceId, reportId, createdBy, watermark }) {
      const id = `shl_${randomBytes(9).toString('base64url')}`;
      const token = `shr_${randomBytes(32).toString('base64url')}`;
      const { rows } = await pool.query<Row>(
        `INSERT INTO sluice_shared_links (id, workspace_id, report_id, created_by, watermark, token_hash)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [id, workspaceId, reportId, createdBy, watermark, hash(token)],
      );
      return { link: toLink(rows[0]!), token };
    },
    async list(workspaceId, reportId) {
      const { rows } = await pool.query<Row>(
        `SELECT * FROM sluice_shared_links WHERE workspace_id = $1 AND report_id = $2 ORDER BY created_at, id`,
        [workspaceId, reportId],
      );
      return rows.map(toLink);
    },
    async revoke(workspaceId, reportId, id) {
      const { rowCount } = await pool.query(
        `UPDATE sluice_shared_links SET revoked_at = now()
          WHERE workspace_id = $1 AND report_id = $2 AND id = $3 AND revoked_at IS NULL`,
        [workspaceId, reportId, id],
      );
      return (rowCount ?? 0) > 0;
    },
    async resolve(token) {
      const { rows } = await pool.query<Row>(
        `SELECT * FROM sluice_shared_links WHERE token_hash = $1 AND revoked_at IS NULL`,
        [hash(token)],
      );
      return rows[0] ? toLink(rows[0]) : undefined;
    },
  };
}
