import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { applySchemaSteps } from '../core/pg-migrations.ts';

/**
 * Shared links on a report: a secret in a URL that exports the report as the link's creator sees it, with
 * the link's watermark on every PDF page and PNG. Only the sha256 of the secret is stored (256 random bits,
 * so no salt or KDF is needed); a revoked link stops working at once, and every link expires (a leaked URL
 * must not export forever).
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
  // Every link expires. Links made before expiry existed get the default lifetime from their creation.
  `ALTER TABLE sluice_shared_links ADD COLUMN IF NOT EXISTS expires_at timestamptz`,
  `UPDATE sluice_shared_links SET expires_at = created_at + interval '30 days' WHERE expires_at IS NULL`,
  `ALTER TABLE sluice_shared_links ALTER COLUMN expires_at SET NOT NULL`,
];

/**
 * How long a shared link lives: `defaultTtlSeconds` when its creator names no expiry, at most
 * `maxTtlSeconds` when they do (SLUICE_SHARED_LINK_TTL_DAYS / SLUICE_SHARED_LINK_MAX_TTL_DAYS).
 */
export interface SharedLinkLifetimes {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

export const DEFAULT_SHARED_LINK_LIFETIMES: SharedLinkLifetimes = {
  defaultTtlSeconds: 30 * 86_400,
  maxTtlSeconds: 365 * 86_400,
};

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
  expiresAt: string;
  revokedAt: string | null;
}

interface Row {
  id: string;
  workspace_id: string;
  report_id: string;
  created_by: string;
  watermark: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const toLink = (r: Row): SharedLink => ({
  id: r.id,
  workspaceId: r.workspace_id,
  reportId: r.report_id,
  createdBy: r.created_by,
  watermark: r.watermark,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface SharedLinkStore {
  create(link: {
    workspaceId: string;
    reportId: string;
    createdBy: string;
    watermark: string;
    /** An instant (checked against the lifetimes by the caller), or seconds from now by the database's clock. */
    expires: { at: Date } | { inSeconds: number };
  }): Promise<{ link: SharedLink; token: string }>;
  list(workspaceId: string, reportId: string): Promise<SharedLink[]>;
  /** True if a live link was revoked; false if there was none (or it was revoked already). */
  revoke(workspaceId: string, reportId: string, id: string): Promise<boolean>;
  /**
   * The unrevoked link a token opens, if any, and whether it has expired (by the database's clock, the one
   * that stamped it).
   */
  resolve(token: string): Promise<{ link: SharedLink; expired: boolean } | undefined>;
}

export function createPgSharedLinkStore(pool: pg.Pool): SharedLinkStore {
  return {
    async create({ workspaceId, reportId, createdBy, watermark, expires }) {
      const id = `shl_${randomBytes(9).toString('base64url')}`;
      const token = `shr_${randomBytes(32).toString('base64url')}`;
      const { rows } = await pool.query<Row>(
        `INSERT INTO sluice_shared_links (id, workspace_id, report_id, created_by, watermark, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7::timestamptz, now() + make_interval(secs => $8::float8)))
         RETURNING *`,
        [
          id,
          workspaceId,
          reportId,
          createdBy,
          watermark,
          hash(token),
          'at' in expires ? expires.at : null,
          'inSeconds' in expires ? expires.inSeconds : null,
        ],
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
      const { rows } = await pool.query<Row & { expired: boolean }>(
        `SELECT *, expires_at <= now() AS expired FROM sluice_shared_links
          WHERE token_hash = $1 AND revoked_at IS NULL`,
        [hash(token)],
      );
      return rows[0] ? { link: toLink(rows[0]), expired: rows[0].expired } : undefined;
    },
  };
}
