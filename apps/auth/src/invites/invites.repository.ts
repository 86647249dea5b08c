import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import { z } from 'zod';
import { parseRows } from '@docat/database';

/** Invitation codes (registration mode `invite`), stored as SHA-256 digests; each admits one account. */
@Injectable()
export class InvitesRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  async insert(invite: {
    id: string;
    codeHash: Buffer;
    email: string | null;
    createdBy: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO auth.invites (id, code_hash, email, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [invite.id, invite.codeHash, invite.email, invite.createdBy, invite.expiresAt],
    );
  }

  /**
   * Claims the invitation for `email`: unused, unexpired, and either open to anyone or
   * made for this address. Runs in the registration's transaction, so a failed
   * registration leaves the code unused.
   */
  async claim(tx: EntityManager, codeHash: Buffer, email: string): Promise<string | null> {
    const rows = parseRows(
      'auth.invites',
      z.object({ id: z.string() }),
      await tx.query(
        `UPDATE auth.invites SET used_at = now()
          WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() AND (email IS NULL OR lower(email) = lower($2))
          RETURNING id`,
        [codeHash, email],
      ),
    );
    return rows[0]?.id ?? null;
  }

  async setUsedBy(tx: EntityManager, id: string, userId: string): Promise<void> {
    await tx.query(`UPDATE auth.invites SET used_by = $2 WHERE id = $1`, [id, userId]);
  }
}
