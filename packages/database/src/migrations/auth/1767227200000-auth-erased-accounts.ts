import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erased accounts, kept only for as long as an access token issued before the erasure can
 * live. The user row is gone with the erasure, so without this record a gateway that missed
 * the erasure broadcast could not learn from `auth.denied-users` that the account's tokens
 * are dead. Rows name the account id and when it was erased, nothing else, and are deleted
 * once they are older than every token they could refuse.
 */
export class AuthErasedAccounts1767227200000 implements MigrationInterface {
  name = 'AuthErasedAccounts1767227200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth.erased_accounts (
        user_id uuid PRIMARY KEY,
        erased_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX erased_accounts_erased_at_idx ON auth.erased_accounts (erased_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auth.erased_accounts`);
  }
}
