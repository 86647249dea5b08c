import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { uuidv7 } from '@docat/contracts';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

function toRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    expiresAt: row.expires_at,
    rotatedAt: row.rotated_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Refresh tokens, stored as SHA-256 digests. Tokens issued from one login form a
 * family; each refresh marks the presented token rotated and adds its successor to the
 * family, so a rotated token presented again betrays a copy and revokes the family.
 */
@Injectable()
export class RefreshTokensRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction('READ COMMITTED', work);
  }

  async insert(
    tx: EntityManager | null,
    token: { userId: string; familyId: string; tokenHash: Buffer; expiresAt: Date },
  ): Promise<string> {
    const id = uuidv7();
    await (tx ?? this.db.manager).query(
      `INSERT INTO auth.refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [id, token.userId, token.familyId, token.tokenHash, token.expiresAt],
    );
    return id;
  }

  /** Locks the row until the transaction ends, so two refreshes of one token serialise. */
  async findForUpdate(tx: EntityManager, tokenHash: Buffer): Promise<RefreshTokenRecord | null> {
    const rows = await tx.query<RefreshTokenRow[]>(
      `SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at
         FROM auth.refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async markRotated(tx: EntityManager, id: string, successorId: string): Promise<void> {
    await tx.query(
      `UPDATE auth.refresh_tokens SET rotated_at = now(), replaced_by = $2 WHERE id = $1`,
      [id, successorId],
    );
  }

  /** Revokes every token of the family and the session it is. */
  async revokeFamily(tx: EntityManager | null, familyId: string): Promise<number> {
    const m = tx ?? this.db.manager;
    const result = await m.query<[unknown[], number]>(
      `UPDATE auth.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`,
      [familyId],
    );
    await m.query(
      `UPDATE auth.sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [familyId],
    );
    return result[1];
  }

  async findFamilyOf(tokenHash: Buffer): Promise<string | null> {
    const rows = await this.db.query<{ family_id: string }[]>(
      `SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0]?.family_id ?? null;
  }

  /** Tokens past expiry are useless; keeping them a day longer still catches late reuse. */
  async deleteExpired(): Promise<void> {
    await this.db.query(
      `DELETE FROM auth.refresh_tokens WHERE expires_at < now() - interval '1 day'`,
    );
  }
}
