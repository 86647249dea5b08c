import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts, sessions and signing keys of the auth service. Emails are unique without
 * regard to case (a functional unique index on lower(email)); refresh tokens are stored
 * as SHA-256 digests; signing keys hold their private half encrypted with
 * DOCAT_ENCRYPTION_KEY.
 */
export class AuthAccounts1767225700000 implements MigrationInterface {
  name = 'AuthAccounts1767225700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE auth.users (
        id uuid PRIMARY KEY,
        email text NOT NULL CHECK (length(email) <= 254),
        password_hash text NOT NULL,
        role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
        plan text NOT NULL DEFAULT 'free',
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX users_email_lower_key ON auth.users (lower(email))`,
    );

    await queryRunner.query(`
      CREATE TABLE auth.refresh_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        revoked_at timestamptz,
        replaced_by uuid
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON auth.refresh_tokens (token_hash)`,
    );
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_family_idx ON auth.refresh_tokens (family_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_user_idx ON auth.refresh_tokens (user_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_expires_idx ON auth.refresh_tokens (expires_at)`,
    );

    await queryRunner.query(`
      CREATE TABLE auth.signing_keys (
        kid text PRIMARY KEY,
        algorithm text NOT NULL CHECK (algorithm = 'EdDSA'),
        private_key_secret text NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE auth.signing_keys`);
    await queryRunner.query(`DROP TABLE auth.refresh_tokens`);
    await queryRunner.query(`DROP TABLE auth.users`);
  }
}
