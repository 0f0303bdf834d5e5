import type pg from 'pg';
import { SluiceError } from '../core/errors.ts';
import {
  displayPrefix,
  generateToken,
  generateTokenId,
  hashToken,
  isWellFormedToken,
  tokenMatchesHash,
} from './token-format.ts';

export const TOKEN_KINDS = ['interactive', 'api'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** A member sees the jobs it requested or receives; an admin sees, fetches and cancels its workspace's. */
export const TOKEN_ROLES = ['member', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface NewToken {
  workspaceId: string;
  userId: string;
  kind: TokenKind;
  /** `member` unless given. */
  role?: TokenRole;
  /** An absolute expiry, or… */
  expiresAt?: Date;
  /** …one relative to the database's clock, so every process agrees when it lapses. */
  expiresInSeconds?: number;
}

export interface TokenIdentity {
  tokenId: string;
  workspaceId: string;
  userId: string;
  kind: TokenKind;
  role: TokenRole;
}

export interface TokenInfo extends TokenIdentity {
  /** `slc_` plus the first characters of the secret: enough to recognise, useless to authenticate. */
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * Workspace tokens. Only the sha256 of a token is stored; the plain token exists once, in the return
 * value of `create`. Lookup is by hash, and the hit is confirmed with timingSafeEqual on the two digests.
 */
export class TokenStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(input: NewToken): Promise<{ token: string; id: string }> {
    validateNewToken(input);
    const token = generateToken();
    const id = generateTokenId();
    await this.pool.query(
      `INSERT INTO sluice_tokens (id, workspace_id, user_id, kind, token_hash, token_prefix, expires_at, role)
       VALUES ($1, $2, $3, $4, $5, $6,
               coalesce($7::timestamptz, now() + make_interval(secs => $8::double precision)), $9)`,
      [
        id,
        input.workspaceId,
        input.userId,
        input.kind,
        hashToken(token),
        displayPrefix(token),
        input.expiresAt ?? null,
        input.expiresInSeconds ?? null,
        input.role ?? 'member',
      ],
    );
    return { token, id };
  }

  /** The identity behind a live token; undefined for unknown, malformed, revoked or expired tokens alike. */
  async authenticate(token: string): Promise<TokenIdentity | undefined> {
    if (!isWellFormedToken(token)) return undefined;
    const { rows } = await this.pool.query(
      `SELECT id, workspace_id, user_id, kind, role, token_hash FROM sluice_tokens
        WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [hashToken(token)],
    );
    const row = rows[0];
    // The index finds the row by hash; the match is confirmed in constant time, so neither the lookup's
    // nor this comparison's timing depends on how much of a guess was right.
    if (!row || !tokenMatchesHash(token, row.token_hash)) return undefined;
    return {
      tokenId: row.id,
      workspaceId: row.workspace_id,
      userId: row.user_id,
      kind: row.kind,
      role: row.role,
    };
  }

  /** Like `authenticate`, for callers that answer 401: one code whatever the reason, so nothing is probed. */
  async require(token: string | undefined): Promise<TokenIdentity> {
    const identity = token === undefined ? undefined : await this.authenticate(token);
    if (!identity) throw new SluiceError('UNAUTHENTICATED', 'missing, unknown, revoked or expired token');
    return identity;
  }

  /** True when the id named a token that was live until now; revoking twice keeps the first time. */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE sluice_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [id],
    );
    return rowCount === 1;
  }

  async list(workspaceId: string): Promise<TokenInfo[]> {
    const { rows } = await this.pool.query(
      `SELECT id, workspace_id, user_id, kind, role, token_prefix, created_at, expires_at, revoked_at
         FROM sluice_tokens WHERE workspace_id = $1 ORDER BY created_at, id`,
      [workspaceId],
    );
    return rows.map((row) => ({
      tokenId: row.id,
      workspaceId: row.workspace_id,
      userId: row.user_id,
      kind: row.kind,
      role: row.role,
      prefix: row.token_prefix,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
    }));
  }
}

function validateNewToken(input: NewToken): void {
  const invalid = (field: string, rule: string) =>
    new SluiceError('REQUEST_INVALID', `${field} ${rule}`, { details: { field, rule } });
  if (!input.workspaceId) throw invalid('workspaceId', 'must not be empty');
  if (!input.userId) throw invalid('userId', 'must not be empty');
  if (!TOKEN_KINDS.includes(input.kind)) throw invalid('kind', `must be one of ${TOKEN_KINDS.join(', ')}`);
  if (input.role !== undefined && !TOKEN_ROLES.includes(input.role))
    throw invalid('role', `must be one of ${TOKEN_ROLES.join(', ')}`);
  if (input.expiresAt !== undefined && input.expiresInSeconds !== undefined)
    throw invalid('expiresAt', 'cannot be combined with expiresInSeconds');
  if (input.expiresAt !== undefined && Number.isNaN(input.expiresAt.getTime()))
    throw invalid('expiresAt', 'must be a valid date');
  if (input.expiresInSeconds !== undefined && !(input.expiresInSeconds > 0))
    throw invalid('expiresInSeconds', 'must be positive');
}
