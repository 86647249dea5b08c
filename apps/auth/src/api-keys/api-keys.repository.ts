import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { ApiKeyView } from '@docat/contracts';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import { z } from 'zod';
import { parseRows } from '@docat/database';

const apiKeyRowSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.date(),
  last_used_at: z.date().nullable(),
  expires_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
});
type ApiKeyRow = z.output<typeof apiKeyRowSchema>;

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = 'id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at';

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export function toApiKeyView(key: ApiKeyRecord): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
  };
}

/** API keys, stored as the SHA-256 of the whole key (see `api-key.ts`). */
@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  async insert(key: {
    id: string;
    userId: string;
    name: string;
    prefix: string;
    keyHash: Buffer;
    expiresAt: Date | null;
  }): Promise<ApiKeyRecord> {
    const rows = parseRows(
      'auth.api_keys',
      apiKeyRowSchema,
      await this.db.query(
        `INSERT INTO auth.api_keys (id, user_id, name, prefix, key_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [key.id, key.userId, key.name, key.prefix, key.keyHash, key.expiresAt],
      ),
    );
    return toRecord(rows[0]!);
  }

  async findByHash(keyHash: Buffer): Promise<ApiKeyRecord | null> {
    const rows = parseRows(
      'auth.api_keys',
      apiKeyRowSchema,
      await this.db.query(`SELECT ${COLUMNS} FROM auth.api_keys WHERE key_hash = $1`, [keyHash]),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Keys not revoked, newest first (expired keys stay listed so their owner sees why they fail). */
  async listOf(userId: string): Promise<ApiKeyRecord[]> {
    const rows = parseRows(
      'auth.api_keys',
      apiKeyRowSchema,
      await this.db.query(
        `SELECT ${COLUMNS} FROM auth.api_keys WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 500`,
        [userId],
      ),
    );
    return rows.map(toRecord);
  }

  async countActive(userId: string): Promise<number> {
    const rows = parseRows(
      'auth.api_keys',
      z.object({ n: z.string() }),
      await this.db.query(
        `SELECT count(*) AS n FROM auth.api_keys WHERE user_id = $1 AND revoked_at IS NULL`,
        [userId],
      ),
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Revokes one key of `userId`; another user's key id revokes nothing. */
  async revoke(userId: string, id: string): Promise<boolean> {
    const rows = parseRows(
      'auth.api_keys',
      z.object({ id: z.string() }),
      await this.db.query(
        `UPDATE auth.api_keys SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
        [id, userId],
      ),
    );
    return rows.length > 0;
  }

  async revokeAll(tx: EntityManager, userId: string): Promise<string[]> {
    const rows = parseRows(
      'auth.api_keys',
      z.object({ id: z.string() }),
      await tx.query(
        `UPDATE auth.api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
        [userId],
      ),
    );
    return rows.map((row) => row.id);
  }

  /** Records use at most once a minute per key: verification is cached in gateways, but writes per request would still add up. */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
