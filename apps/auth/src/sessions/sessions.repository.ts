import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { SessionView } from '@docat/contracts';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import { z } from 'zod';
import { parseRows, affectedCount } from '@docat/database';

const sessionRowSchema = z.object({
  id: z.string(),
  created_at: z.date(),
  last_used_at: z.date(),
  expires_at: z.date(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
});

/**
 * Sessions: one per login, with the id of its refresh-token family. Revoking a session
 * revokes every refresh token of the family in the same statement pair, so a revoked
 * session can never be refreshed again.
 */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  async insert(
    tx: EntityManager | null,
    session: { id: string; userId: string; expiresAt: Date; ip?: string; userAgent?: string },
  ): Promise<void> {
    await (tx ?? this.db.manager).query(
      `INSERT INTO auth.sessions (id, user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`,
      [
        session.id,
        session.userId,
        session.expiresAt,
        session.ip ?? null,
        session.userAgent?.slice(0, 512) ?? null,
      ],
    );
  }

  async touch(tx: EntityManager, id: string, expiresAt: Date): Promise<void> {
    await tx.query(`UPDATE auth.sessions SET last_used_at = now(), expires_at = $2 WHERE id = $1`, [
      id,
      expiresAt,
    ]);
  }

  async active(userId: string): Promise<SessionView[]> {
    const rows = parseRows(
      'auth.sessions',
      sessionRowSchema,
      await this.db.query(
        `SELECT id, created_at, last_used_at, expires_at, ip, user_agent FROM auth.sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ORDER BY last_used_at DESC LIMIT 200`,
        [userId],
      ),
    );
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      ip: row.ip,
      userAgent: row.user_agent,
      current: false,
    }));
  }

  /** Sessions whose access tokens were refused since `since`, for gateways rebuilding their deny list at start. */
  async revokedSince(since: Date): Promise<{ sessionId: string; at: Date }[]> {
    const rows = parseRows(
      'auth.sessions',
      z.object({ id: z.string(), revoked_at: z.date() }),
      await this.db.query(
        `SELECT id, access_revoked_at AS revoked_at FROM auth.sessions WHERE access_revoked_at >= $1 LIMIT 100000`,
        [since],
      ),
    );
    return rows.map((row) => ({ sessionId: row.id, at: row.revoked_at }));
  }

  /** Marks the session's access tokens refused (gateways are told by broadcast; starting ones read this). */
  async refuseAccessTokens(tx: EntityManager, id: string): Promise<void> {
    await tx.query(
      `UPDATE auth.sessions SET access_revoked_at = coalesce(access_revoked_at, now()) WHERE id = $1`,
      [id],
    );
  }

  /** Revokes one session of `userId` (another user's id revokes nothing). */
  async revoke(tx: EntityManager | null, userId: string, id: string): Promise<boolean> {
    const run = async (m: EntityManager): Promise<boolean> => {
      const rows = parseRows(
        'auth.sessions',
        z.object({ id: z.string() }),
        await m.query(
          `UPDATE auth.sessions SET revoked_at = now(), access_revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
          [id, userId],
        ),
      );
      await m.query(
        `UPDATE auth.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
        [id, userId],
      );
      return rows.length > 0;
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  /** Revokes every session of `userId`; answers how many were live. */
  async revokeAll(tx: EntityManager | null, userId: string): Promise<number> {
    const run = async (m: EntityManager): Promise<number> => {
      const count = affectedCount(
        await m.query(
          `UPDATE auth.sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()`,
          [userId],
        ),
      );
      await m.query(
        `UPDATE auth.sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
        [userId],
      );
      await m.query(
        `UPDATE auth.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
        [userId],
      );
      return count;
    };
    return tx ? run(tx) : this.db.transaction(run);
  }
}
