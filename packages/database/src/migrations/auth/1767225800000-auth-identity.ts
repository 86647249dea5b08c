import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity beyond login: sessions (one per refresh-token family, with where it started),
 * email verification, API keys and single-use mail tokens stored as SHA-256 digests,
 * invitations, and the moment after which an account's access tokens are refused
 * (disabled, password reset, signed out everywhere). Signing keys get a retirement time set once no token they signed can
 * still be valid.
 */
export class AuthIdentity1767225800000 implements MigrationInterface {
  name = 'AuthIdentity1767225800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE auth.users ADD COLUMN email_verified_at timestamptz`);
    // Accounts from before verification existed were trusted then; keep them so.
    await queryRunner.query(`UPDATE auth.users SET email_verified_at = created_at`);
    // Access tokens issued before this moment are refused (account disabled, password reset, sign-out everywhere).
    await queryRunner.query(`ALTER TABLE auth.users ADD COLUMN tokens_revoked_at timestamptz`);
    await queryRunner.query(
      `UPDATE auth.users SET tokens_revoked_at = disabled_at WHERE disabled_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX users_tokens_revoked_at_idx ON auth.users (tokens_revoked_at) WHERE tokens_revoked_at IS NOT NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE auth.sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ip text CHECK (length(ip) <= 64),
        user_agent text CHECK (length(user_agent) <= 512),
        revoked_at timestamptz,
        -- Set when the session's access tokens are refused too (signed out from elsewhere, refresh-token reuse).
        access_revoked_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX sessions_user_idx ON auth.sessions (user_id) WHERE revoked_at IS NULL`,
    );
    // Families issued before this migration become sessions too.
    await queryRunner.query(`
      INSERT INTO auth.sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at)
      SELECT family_id, min(user_id::text)::uuid, min(created_at), max(created_at), max(expires_at),
             CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END
        FROM auth.refresh_tokens GROUP BY family_id`);

    await queryRunner.query(`
      CREATE TABLE auth.api_keys (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) <= 100),
        prefix text NOT NULL,
        key_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        expires_at timestamptz,
        revoked_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX api_keys_key_hash_key ON auth.api_keys (key_hash)`,
    );
    await queryRunner.query(
      `CREATE INDEX api_keys_user_idx ON auth.api_keys (user_id) WHERE revoked_at IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE auth.mail_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
        token_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX mail_tokens_token_hash_key ON auth.mail_tokens (token_hash)`,
    );
    await queryRunner.query(
      `CREATE INDEX mail_tokens_user_idx ON auth.mail_tokens (user_id, purpose)`,
    );

    await queryRunner.query(`
      CREATE TABLE auth.invites (
        id uuid PRIMARY KEY,
        code_hash bytea NOT NULL,
        email text CHECK (length(email) <= 254),
        created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        used_by uuid REFERENCES auth.users (id) ON DELETE SET NULL
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX invites_code_hash_key ON auth.invites (code_hash)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE auth.invites`);
    await queryRunner.query(`DROP TABLE auth.mail_tokens`);
    await queryRunner.query(`DROP TABLE auth.api_keys`);
    await queryRunner.query(`DROP TABLE auth.sessions`);
    await queryRunner.query(`ALTER TABLE auth.users DROP COLUMN tokens_revoked_at`);
    await queryRunner.query(`ALTER TABLE auth.users DROP COLUMN email_verified_at`);
  }
}
