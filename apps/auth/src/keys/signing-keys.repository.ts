import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import { z } from 'zod';
import { parseRows } from '@docat/database';

export interface StoredSigningKey {
  kid: string;
  /** `encryptSecret` blob of the PKCS#8 PEM, bound to the kid as context. */
  privateKeySecret: string;
  publicJwk: unknown;
  createdAt: Date;
}

const signingKeyRowSchema = z.object({
  kid: z.string(),
  private_key_secret: z.string(),
  public_jwk: z.unknown(),
  created_at: z.date(),
});

/** A fixed advisory-lock key: replicas booting together create one signing key, not several. */
const SIGNING_KEY_LOCK = 0x0d0ca7_01;

@Injectable()
export class SigningKeysRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  /** Runs `work` while holding the signing-key lock (released at commit). */
  withLock<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      return work(tx);
    });
  }

  /** Keys not retired, newest first: the first signs, all verify. */
  async active(tx?: EntityManager): Promise<StoredSigningKey[]> {
    const rows = parseRows(
      'auth.signing_keys',
      signingKeyRowSchema,
      await (tx ?? this.db.manager).query(
        `SELECT kid, private_key_secret, public_jwk, created_at FROM auth.signing_keys
        WHERE retired_at IS NULL ORDER BY created_at DESC`,
      ),
    );
    return rows.map((row) => ({
      kid: row.kid,
      privateKeySecret: row.private_key_secret,
      publicJwk: row.public_jwk,
      createdAt: row.created_at,
    }));
  }

  /** Retires keys whose last token has expired; they leave the JWKS. */
  async retire(tx: EntityManager, kids: string[]): Promise<void> {
    if (kids.length === 0) return;
    await tx.query(
      `UPDATE auth.signing_keys SET retired_at = now() WHERE kid = ANY($1::text[]) AND retired_at IS NULL`,
      [kids],
    );
  }

  async insert(
    tx: EntityManager,
    key: { kid: string; privateKeySecret: string; publicJwk: unknown },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO auth.signing_keys (kid, algorithm, private_key_secret, public_jwk) VALUES ($1, 'EdDSA', $2, $3)`,
      [key.kid, key.privateKeySecret, JSON.stringify(key.publicJwk)],
    );
  }
}
