import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import type { MailPurpose } from './mailer.js';
import { z } from 'zod';
import { parseRows } from '@docat/database';

/** Single-use tokens sent by mail, stored as SHA-256 digests with their purpose and expiry. */
@Injectable()
export class MailTokensRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  /** Stores a new token and voids the user's earlier unused ones of the same purpose: only the newest link works. */
  async issue(token: {
    id: string;
    userId: string;
    purpose: MailPurpose;
    tokenHash: Buffer;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE auth.mail_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
        [token.userId, token.purpose],
      );
      await tx.query(
        `INSERT INTO auth.mail_tokens (id, user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
        [token.id, token.userId, token.purpose, token.tokenHash, token.expiresAt],
      );
    });
  }

  /**
   * Marks the token used and answers its user, or null when it is unknown, of another
   * purpose, expired or already used. One UPDATE, so two concurrent uses cannot both win.
   */
  async consume(
    tx: EntityManager,
    tokenHash: Buffer,
    purpose: MailPurpose,
  ): Promise<string | null> {
    const rows = parseRows(
      'auth.mail_tokens',
      z.object({ user_id: z.string() }),
      await tx.query(
        `UPDATE auth.mail_tokens SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
        [tokenHash, purpose],
      ),
    );
    return rows[0]?.user_id ?? null;
  }

  async deleteStale(): Promise<void> {
    await this.db.query(`DELETE FROM auth.mail_tokens WHERE expires_at < now() - interval '1 day'`);
  }
}
