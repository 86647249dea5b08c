import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { uuidv7 } from '@docat/contracts';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import { z } from 'zod';
import { parseRows, affectedCount } from '@docat/database';

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

const refreshTokenRowSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  family_id: z.string(),
  expires_at: z.date(),
  rotated_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
});
type RefreshTokenRow = z.output<typeof refreshTokenRowSchema>;

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
    const rows = parseRows(
      'auth.refresh_tokens',
      refreshTokenRowSchema,
      await tx.query(
        `SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at
         FROM auth.refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
        [tokenHash],
      ),
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
    const result: unknown = await m.query(
      `UPDATE auth.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`,
      [familyId],
    );
    await m.query(
      `UPDATE auth.sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [familyId],
    );
    return affectedCount(result);
  }

  async findFamilyOf(tokenHash: Buffer): Promise<string | null> {
    const rows = parseRows(
      'auth.refresh_tokens',
      z.object({ family_id: z.string() }),
      await this.db.query(`SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1`, [
        tokenHash,
      ]),
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
